"""The router's labelled task sets (assets/router/) and their fixed held-out split.

Shared by the router's tests and its benchmark (benchmarks/bench_router.py), so both measure the
same split. It lives beside the tests, not in the product package: the app never reads these sets.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / 'assets' / 'router'


def load_tasks(name: str) -> list[dict]:
    """The tasks of one set: `{"text", "tier", "system"?, "split"?}` a line."""
    with open(ASSETS / name, encoding='utf-8') as file:
        return [json.loads(line) for line in file if line.strip()]


def is_held_out(task: dict) -> bool:
    """Whether a labelled task is in the held-out 30%: a stable hash of its text decides,
    except for tasks written to study mistakes (`"split": "train"`), which never are."""
    if task.get('split') == 'train':
        return False
    return int(hashlib.sha256(task['text'].encode('utf-8')).hexdigest()[:8], 16) % 100 < 30
