"""How fast `swarm-studio validate` answers on a 2,400-node file, and the editor's live cycle check.

Prints the whole-process time of `validate` (median of several runs, next to a bare Python start
so the interpreter's own cost is visible), the in-process validation time, and the median and
worst live cycle check on the same graph. Targets: validate < 0.5 s whole process; the live
check well under a millisecond.

    .venv/bin/python benchmarks/bench_validate.py
"""
from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate_graph  # noqa: E402
from nodes.dag import LiveDag  # noqa: E402
from nodes.validation import check_text  # noqa: E402

NODES, RUNS, CHECKS = 2400, 7, 5000


def whole_process(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    graph = generate_graph(NODES)
    text = graph.dumps()
    # The same graph with every prompt using Jinja statements, so none takes the plain-template path.
    heavy = graph.model_copy(deep=True)
    for node in heavy.nodes:
        if node.kind == 'agent':
            node.config['prompt'] = '{% if true %}' + node.config['prompt'] + '{% endif %}'
    with tempfile.TemporaryDirectory() as folder:
        path, heavy_path = Path(folder) / 'big.json', Path(folder) / 'heavy.json'
        path.write_text(text)
        heavy_path.write_text(heavy.dumps())
        bare = whole_process([sys.executable, '-c', 'pass'])
        validate = whole_process([sys.executable, '-m', 'studio', 'validate', str(path)])
        validate_heavy = whole_process([sys.executable, '-m', 'studio', 'validate', str(heavy_path)])
    start = time.perf_counter()
    assert check_text(text) == []
    in_process = time.perf_counter() - start

    dag = LiveDag((node.id for node in graph.nodes), ((edge.source, edge.target) for edge in graph.edges))
    ids = [node.id for node in graph.nodes]
    rng = random.Random(1)
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(CHECKS)]
    timings, refused = [], 0
    for source, target in pairs:
        begin = time.perf_counter()
        refused += dag.cycle_path(source, target) is not None
        timings.append(time.perf_counter() - begin)
    timings.sort()
    worst_backward = max(_time(dag.cycle_path, ids[-2], ids[1]) for _ in range(50))  # searches the most

    print(f'graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges, {len(text) / 1e6:.1f} MB')
    print(f'validate, whole process (median of {RUNS}): {validate * 1000:7.1f} ms   target < 500 ms  '
          f'{"OK" if validate < 0.5 else "MISSED"}')
    print(f'  every prompt with Jinja statements:      {validate_heavy * 1000:7.1f} ms  '
          f'{"OK" if validate_heavy < 0.5 else "MISSED"}')
    print(f'  of which a bare Python start:           {bare * 1000:7.1f} ms')
    print(f'validate, in process:                     {in_process * 1000:7.1f} ms')
    print(f'live cycle check over {CHECKS} random edges ({refused} would close a cycle):')
    print(f'  median {timings[len(timings) // 2] * 1e6:6.1f} µs   p99 {timings[int(len(timings) * 0.99)] * 1e6:6.1f} µs'
          f'   max {timings[-1] * 1e6:7.1f} µs   target: well under 1000 µs')
    print(f'  a far back edge (last layer -> first): {worst_backward * 1e6:7.1f} µs')


def _time(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


if __name__ == '__main__':
    main()
