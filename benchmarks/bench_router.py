"""Accuracy and speed of the tier router (`tier: auto`): the router as it was (a regex table in
code, read from git), the router now (cues in nodes/router_cues.toml) without and with "when
unsure, go up", and a simple baseline, side by side; and how often hard work is sent down (a
tier-1 task routed to tier 2 or 3), the misroute that loses quality silently.

Run: `.venv/bin/python benchmarks/bench_router.py [--old-ref GIT_REF]`

Sets: `assets/router/labelled_tasks.jsonl` split by a stable hash (~30% held out; lines marked
`"split": "train"` always train); `assets/router/unseen_tasks.jsonl`, written after the first
version of the rules (studied since, for kinds of mistakes); and three blind sets written by
someone who never saw the classifier: `blind_tasks_a.jsonl` and `blind_tasks_b.jsonl`, used for
tuning since, and `blind_tasks_c.jsonl`, never looked at nor tuned on (the honest figure). The
baseline is a length-and-keyword complexity score in the spirit of litellm's heuristic complexity
router (weighted code / reasoning / technical / length signals, simple words as a dampener,
thresholds into tiers); its two thresholds are fitted on the same training split, so it is given
the same chance as the router.

The frozen set (`benchmarks/router_frozen.jsonl`, 120 tasks written fresh before the confidence
rule was designed; its header says how) is reported and never tuned on; no test gates on it.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'tests'))  # the labelled sets' loader

from router_sets import is_held_out, load_tasks  # noqa: E402
from nodes.router import route_task  # noqa: E402

TIMING_ROUNDS = 20
ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / 'benchmarks' / 'router_frozen.jsonl'
# The last commit whose router was the regex table in code (before nodes/router_cues.toml).
OLD_REF = '43b5852'


def load_frozen() -> list[dict]:
    return [json.loads(line) for line in FROZEN.read_text(encoding='utf-8').splitlines()
            if line.strip() and not line.startswith('#')]


def old_router(ref: str):
    """`route_task` of nodes/router.py at git `ref` (it needs nothing but the standard library), or None."""
    try:
        source = subprocess.run(['git', 'show', f'{ref}:nodes/router.py'], cwd=ROOT, capture_output=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / 'router_at_ref.py'
        path.write_bytes(source)
        spec = importlib.util.spec_from_file_location('router_at_ref', path)
        module = importlib.util.module_from_spec(spec)
        sys.modules['router_at_ref'] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return module.route_task


# --- the baseline ------------------------------------------------------------------------------
_CODE = re.compile(r'\b(?:code|function|class|debug|implement|script|sql|api|bug|compile|python'
                   r'|javascript|typescript|regex|query|test)\b', re.IGNORECASE)
_REASONING = re.compile(r'\b(?:analy[sz]e|step by step|reason\w*|why|compare|evaluate|explain|think'
                        r'|prove|plan|strategy|trade-?offs?|assess|decide|recommend)\b', re.IGNORECASE)
_TECHNICAL = re.compile(r'\b(?:architecture|distributed|scalab\w*|kubernetes|database|infrastructure'
                        r'|latency|security|microservices?|deploy\w*|pipeline|cloud|system)\b', re.IGNORECASE)
_SIMPLE = re.compile(r'\b(?:what is|hello|thanks|format|list|translate|convert|yes or no|capitali[sz]e'
                     r'|sort|copy|count)\b', re.IGNORECASE)
_TEMPLATE = re.compile(r'\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}', re.DOTALL)


def complexity_score(text: str) -> float:
    text = _TEMPLATE.sub(' ', text)

    def share(pattern: re.Pattern[str]) -> float:
        return min(1.0, len(pattern.findall(text)) / 2)
    return (0.30 * share(_CODE) + 0.25 * share(_REASONING) + 0.25 * share(_TECHNICAL)
            + 0.10 * min(1.0, len(text.split()) / 60) - 0.05 * share(_SIMPLE))


def baseline_tier(text: str, thresholds: tuple[float, float]) -> int:
    score = complexity_score(text)
    return 3 if score < thresholds[0] else 2 if score < thresholds[1] else 1


def fit_baseline(train: list[dict]) -> tuple[float, float]:
    grid = [step / 100 for step in range(-5, 60)]
    candidates = [(low, high) for low in grid for high in grid if low < high]
    return max(candidates, key=lambda pair: (sum(baseline_tier(task['text'], pair) == task['tier']
                                                 for task in train), -pair[0], -pair[1]))


# --- measuring ---------------------------------------------------------------------------------
def router_tier(task: dict) -> int:
    return route_task(task['text'], task.get('system', '')).tier


def accuracy(tasks: list[dict], classify) -> float:
    return sum(classify(task) == task['tier'] for task in tasks) / len(tasks)


def confusion(tasks: list[dict]) -> list[list[int]]:
    matrix = [[0] * 3 for _ in range(3)]
    for task in tasks:
        matrix[task['tier'] - 1][router_tier(task) - 1] += 1
    return matrix


def timings_us(tasks: list[dict], route=route_task) -> list[float]:
    times = []
    for _ in range(TIMING_ROUNDS):
        for task in tasks:
            start = time.perf_counter_ns()
            route(task['text'], task.get('system', ''))
            times.append((time.perf_counter_ns() - start) / 1000)
    return times


def sent_down(tasks: list[dict], classify) -> str:
    """Tier-1 tasks routed to tier 2 or 3: count and share of the set's tier-1 tasks."""
    hard = [task for task in tasks if task['tier'] == 1]
    down = sum(classify(task) > 1 for task in hard)
    return f'{down}/{len(hard)}' if hard else '-'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--old-ref', default=OLD_REF, help=f'the git commit of the old router (default {OLD_REF})')
    args = parser.parse_args()
    labelled = load_tasks('labelled_tasks.jsonl')
    unseen = load_tasks('unseen_tasks.jsonl')
    blind_a = load_tasks('blind_tasks_a.jsonl')
    blind_b = load_tasks('blind_tasks_b.jsonl')
    blind_c = load_tasks('blind_tasks_c.jsonl')
    frozen = load_frozen()
    train = [task for task in labelled if not is_held_out(task)]
    held_out = [task for task in labelled if is_held_out(task)]
    pinned = sum(task.get('split') == 'train' for task in labelled)

    print('Tier router (nodes/router.py) — offline classifier for `tier: auto`\n')
    print(f'labelled  {len(labelled):4d} tasks: train {len(train)} (of which {pinned} pinned to train), '
          f'held-out {len(held_out)}')
    print(f'unseen    {len(unseen):4d} tasks (written after the first rules; studied since)')
    print(f'blind A   {len(blind_a):4d} tasks (written without seeing the router; tuned on since)')
    print(f'blind B   {len(blind_b):4d} tasks (written without seeing the router; tuned on since)')
    print(f'blind C   {len(blind_c):4d} tasks (written without seeing the router; never looked at nor '
          f'tuned on)')
    print(f'frozen    {len(frozen):4d} tasks (benchmarks/router_frozen.jsonl: written fresh, never tuned on, '
          f'not gated by CI)\n')

    thresholds = fit_baseline(train)
    old = old_router(args.old_ref)
    rows = []
    if old is None:
        print(f'(the old router could not be read from git at {args.old_ref}: its rows are left out)\n')
    else:
        rows.append((f'old: regex table in code ({args.old_ref})', lambda task: old(task['text'], task.get('system', '')).tier))
    rows += [('new: cues file, never going up', lambda task: route_task(task['text'], task.get('system', ''),
                                                                        unsure_below=0).tier),
             ('new: cues file + go up when unsure', router_tier),
             (f'baseline (thresholds {thresholds[0]:.2f}/{thresholds[1]:.2f})',
              lambda task: baseline_tier(task['text'], thresholds))]
    sets = [('train', train), ('held-out', held_out), ('unseen', unseen), ('blind A', blind_a),
            ('blind B', blind_b), ('blind C*', blind_c), ('frozen*', frozen)]
    print(f'{"accuracy":38s}' + ''.join(f'{name:>10s}' for name, _ in sets))
    for name, classify in rows:
        print(f'{name:38s}' + ''.join(f'{accuracy(tasks, classify):10.1%}' for _, tasks in sets))
    print('* never tuned on: the honest figures for tasks the router has not seen')

    print(f'\n{"hard work sent down (tier 1 -> 2/3)":38s}' + ''.join(f'{name:>10s}' for name, _ in sets))
    for name, classify in rows:
        print(f'{name:38s}' + ''.join(f'{sent_down(tasks, classify):>10s}' for _, tasks in sets))
    every = train + held_out + unseen + blind_a + blind_b
    moved = sum(router_tier(task) != route_task(task['text'], task.get('system', ''), unsure_below=0).tier
                for task in every)
    print(f'\n"go up when unsure" moved {moved} of the {len(every)} tasks of the tuned sets and the held-out split up '
          f'({moved / len(every):.1%}): there, the price of the rule (the cues were tuned to be right on them)')

    evaluation = held_out + unseen
    print(f'\nconfusion of route_task on held-out + unseen ({len(evaluation)} tasks; rows: true tier)')
    print('            pred 1  pred 2  pred 3')
    for tier, row in enumerate(confusion(evaluation), start=1):
        print(f'  tier {tier}   ' + ''.join(f'{count:8d}' for count in row))

    print()
    for name, route in [('old', old), ('new', route_task)]:
        if route is None:
            continue
        times = sorted(timings_us(labelled + unseen, route))
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f'latency of the {name} router over {len(times)} calls: median {statistics.median(times):.1f} µs, '
              f'p99 {p99:.1f} µs, max {times[-1]:.1f} µs')
    started = time.perf_counter()
    from nodes.router_cues import load_cues
    load_cues()
    print(f'loading nodes/router_cues.toml (once per process): {(time.perf_counter() - started) * 1000:.0f} ms')


if __name__ == '__main__':
    main()
