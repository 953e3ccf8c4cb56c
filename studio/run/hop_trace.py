"""Where a worker's event spends its time on the way to the page (benchmarks/bench_scale.py reads it).

With `SWARM_STUDIO_TRACE_HOPS=FILE` in the app's environment, every node success the app follows
from a worker adds one JSON line per hop to FILE — `read` (the follower thread got it off the
stream), `loop` (the event loop handed it to the bridge), `sent` (the bridge gave it to the
pages) — with the wall-clock time, so the benchmark can put them beside the engine's time, the
stream entry's id (Redis's clock) and the browser's. Unset (the default), nothing is written.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable

TRACE_VARIABLE = 'SWARM_STUDIO_TRACE_HOPS'
_path = os.environ.get(TRACE_VARIABLE) or None
_lock = threading.Lock()


def enabled() -> bool:
    return _path is not None


def record(run_id: str, node_ids: Iterable[str], hop: str) -> None:
    """Note that the successes of `node_ids` passed `hop` now (nothing when tracing is off)."""
    if _path is None:
        return
    now = time.time()
    lines = ''.join(json.dumps({'run': run_id, 'node': node_id, 'hop': hop, 't': now}) + '\n' for node_id in node_ids)
    if lines:
        with _lock, open(_path, 'a', encoding='utf-8') as trace:
            trace.write(lines)
