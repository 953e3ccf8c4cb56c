"""Accuracy and speed of the tier router (`tier: auto`), side by side with a simple baseline.

Run: `.venv/bin/python benchmarks/bench_router.py`

Sets: `assets/router/labelled_tasks.jsonl` split by a stable hash (~30% held out; lines marked
`"split": "train"` always train); `assets/router/unseen_tasks.jsonl`, written after the first
version of the rules (studied since, for kinds of mistakes); and three blind sets written by
someone who never saw the classifier: `blind_tasks_a.jsonl` and `blind_tasks_b.jsonl`, used for
tuning since, and `blind_tasks_c.jsonl`, never looked at nor tuned on (the honest figure). The
baseline is a length-and-keyword complexity score in the spirit of litellm's heuristic complexity
router (weighted code / reasoning / technical / length signals, simple words as a dampener,
thresholds into tiers); its two thresholds are fitted on the same training split, so it is given
the same chance as the router.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'tests'))  # the labelled sets' loader

from router_sets import is_held_out, load_tasks  # noqa: E402
from nodes.router import route_task  # noqa: E402

TIMING_ROUNDS = 20


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


def timings_us(tasks: list[dict]) -> list[float]:
    times = []
    for _ in range(TIMING_ROUNDS):
        for task in tasks:
            start = time.perf_counter_ns()
            route_task(task['text'], task.get('system', ''))
            times.append((time.perf_counter_ns() - start) / 1000)
    return times


def main() -> None:
    labelled = load_tasks('labelled_tasks.jsonl')
    unseen = load_tasks('unseen_tasks.jsonl')
    blind_a = load_tasks('blind_tasks_a.jsonl')
    blind_b = load_tasks('blind_tasks_b.jsonl')
    blind_c = load_tasks('blind_tasks_c.jsonl')
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
          f'tuned on)\n')

    thresholds = fit_baseline(train)
    rows = [('route_task', router_tier),
            (f'baseline (thresholds {thresholds[0]:.2f}/{thresholds[1]:.2f})',
             lambda task: baseline_tier(task['text'], thresholds))]
    sets = [('train', train), ('held-out', held_out), ('unseen', unseen), ('blind A', blind_a),
            ('blind B', blind_b), ('blind C*', blind_c)]
    print(f'{"accuracy":38s}' + ''.join(f'{name:>10s}' for name, _ in sets))
    for name, classify in rows:
        print(f'{name:38s}' + ''.join(f'{accuracy(tasks, classify):10.1%}' for _, tasks in sets))

    print('* never tuned on: the honest figure for tasks the router has not seen')

    evaluation = held_out + unseen
    print(f'\nconfusion of route_task on held-out + unseen ({len(evaluation)} tasks; rows: true tier)')
    print('            pred 1  pred 2  pred 3')
    for tier, row in enumerate(confusion(evaluation), start=1):
        print(f'  tier {tier}   ' + ''.join(f'{count:8d}' for count in row))

    times = sorted(timings_us(labelled + unseen))
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f'\nlatency over {len(times)} calls: median {statistics.median(times):.1f} µs, '
          f'p99 {p99:.1f} µs, max {times[-1]:.1f} µs')


if __name__ == '__main__':
    main()
