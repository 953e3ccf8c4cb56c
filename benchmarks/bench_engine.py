"""The mission controller against LangGraph, its wall time against the critical path, and savings.

    .venv/bin/python benchmarks/bench_engine.py [--quick]

Every figure is measured on the generated 2,400-node graph (benchmarks/generate.py; the
marginal figure also on a generated 24-node one), written to a graph file first; each sample
is a fresh Python process, so nothing one sample loaded, compiled or cached helps the next,
on either side. The machine may be shared: each figure is the best (minimum) of several
samples.

1. Per-node time with `--simulate --latency-ms 0`, against LangGraph running the same graph
   (same nodes and edges, a node runs once all its upstream nodes are done) with trivial
   async nodes. Target: ours at most one third of LangGraph's, in each of three comparisons:
   - whole process: `swarm-studio run FILE --simulate --latency-ms 0 --db NEW_SQLITE_FILE`
     (imports, reading and validating the graph, the tokenizer, the run, every node, attempt
     and event stored) against a process that imports LangGraph, reads the same file, builds
     and compiles the graph and runs it; wall time of each process, start to exit, divided by
     the number of nodes. This isolates nothing: it is what a user waits for, fixed start-up (imports, the tokenizer,
     the final SQLite checkpoint) included, spread over the 2,400 nodes;
   - in process, run only: in each process, after the imports, the mission is built (ours: the
     tokenizer loaded, the graph file read and compiled, the controller made with its recorder
     on a new SQLite file, `gc.freeze()` as `swarm-studio run` does; LangGraph: the file read,
     the graph built and compiled), then only the run is timed (ours: `MissionController.run`,
     which returns once every row is stored; LangGraph: `ainvoke`). This isolates the run from
     start-up, but it also leaves out each side's per-node work done before the run (reading,
     validating, building and compiling the graph);
   - marginal per node, whole process: (whole-process time at 2,400 nodes - whole-process time
     at a small generated graph of 24 nodes) / (2,400 - 24), each the best of its samples. This
     isolates the cost of one more node from fixed start-up, with everything a node costs in
     the process counted (its share of reading, validating, building, running and storing).
2. Wall time over the critical path with every call taking 50 ms (simulated), persistence on:
   the run of one process as in 1 (in process), against the longest chain of model calls
   times 50 ms. Target: at most 1.05.
3. Cost against the flagship-only counterfactual on the example swarms (assets/examples).
"""
from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')

from benchmarks.generate import example_inputs, generate_graph  # noqa: E402
from nodes.engine import MissionController  # noqa: E402
from nodes.graph import Graph  # noqa: E402
from nodes.plan import compile_graph  # noqa: E402
from nodes.providers.simulated import SimulatedProvider  # noqa: E402
from nodes.validation import load_graph  # noqa: E402

NODES = 2400
SMALL_NODES = 24  # the small graph of the marginal per-node figure
LATENCY_MS = 50

LANGGRAPH_PROGRAM = '''
import asyncio, json, sys, time
from typing import Annotated, TypedDict
from langgraph.graph import END, START, StateGraph

started = time.perf_counter()
document = json.load(open(sys.argv[1]))


def merge(left, right):
    left = left if left is not None else {}
    left.update(right)
    return left


class State(TypedDict):
    outputs: Annotated[dict, merge]


def make(node_id):
    async def node(state):
        return {'outputs': {node_id: node_id}}
    return node


predecessors = {node['id']: [] for node in document['nodes']}
for edge in document['edges']:
    predecessors[edge['target']].append(edge['source'])
builder = StateGraph(State)
for node_id in predecessors:
    builder.add_node(node_id, make(node_id))
for node_id, sources in predecessors.items():
    if not sources:
        builder.add_edge(START, node_id)
    else:  # a list waits for every source: the node runs once, when all its inputs are done
        builder.add_edge(sources if len(sources) > 1 else sources[0], node_id)
sinks = [node_id for node_id in predecessors if not any(e['source'] == node_id for e in document['edges'])]
for node_id in sinks:
    builder.add_edge(node_id, END)
app = builder.compile()
compiled = time.perf_counter()
result = asyncio.run(app.ainvoke({'outputs': {}}, {'recursion_limit': 10 ** 6}))
finished = time.perf_counter()
assert len(result['outputs']) == len(predecessors), len(result['outputs'])
print(json.dumps({'build': compiled - started, 'run': finished - compiled}))
'''


OURS_PROGRAM = '''
import asyncio, gc, json, sys, time
from nodes.engine import MissionController
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.tokens import count_text
from nodes.validation import parse_graph
from storage.db import connect
from storage.runs import RunRepository

started = time.perf_counter()
count_text('load the tokenizer')  # once per process, like an import: part of the build here
graph = parse_graph(open(sys.argv[1], 'rb').read())  # as `swarm-studio run`: checked once, by compile_graph
recorder = RunRepository(connect(sys.argv[2])).recorder(source=sys.argv[1])
plan = compile_graph(graph, provider=SimulatedProvider(latency_ms=int(sys.argv[3])))
mission = MissionController(plan, subscribers=[recorder])
gc.freeze()  # as `swarm-studio run` does before its run
built = time.perf_counter()
summary = asyncio.run(mission.run())
finished = time.perf_counter()
assert summary.status == 'succeeded', summary.status
print(json.dumps({'build': built - started, 'run': finished - built}))
'''


def best(samples: list[float]) -> float:
    return min(samples)


def whole_process(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def langgraph_in_process(path: Path, runs: int) -> tuple[float, float]:
    import json
    builds, invokes = [], []
    for _ in range(runs):
        result = subprocess.run([sys.executable, '-c', LANGGRAPH_PROGRAM, str(path)], check=True,
                                capture_output=True, text=True, cwd=ROOT)
        figures = json.loads(result.stdout)
        builds.append(figures['build'])
        invokes.append(figures['run'])
    return best(builds), best(invokes)


def ours_in_process(path: Path, folder: Path, runs: int, latency_ms: int = 0) -> tuple[float, float]:
    """(build seconds, run seconds), each the best of `runs` fresh processes, each on a new database."""
    import json
    builds, invokes = [], []
    for index in range(runs):
        database = folder / f'inproc-{latency_ms}-{index}.sqlite'
        result = subprocess.run([sys.executable, '-c', OURS_PROGRAM, str(path), str(database), str(latency_ms)],
                                check=True, capture_output=True, text=True, cwd=ROOT)
        figures = json.loads(result.stdout)
        builds.append(figures['build'])
        invokes.append(figures['run'])
    return best(builds), best(invokes)


def critical_path_s(graph: Graph, latency_s: float) -> float:
    """The longest chain of model calls, each taking `latency_s`."""
    predecessors: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    for edge in graph.edges:
        predecessors[edge.target].append(edge.source)
    kinds = {node.id: node.kind for node in graph.nodes}
    longest: dict[str, float] = {}

    def finish(node_id: str) -> float:
        if node_id not in longest:
            own = latency_s if kinds[node_id] == 'agent' else 0.0
            longest[node_id] = own + max((finish(p) for p in predecessors[node_id]), default=0.0)
        return longest[node_id]

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    return max(finish(node_id) for node_id in predecessors)


def verdict(value: float, target: float) -> str:
    return f'target <= {target:.2f} -> {"OK" if value <= target else "MISSED"}'


def main() -> None:
    quick = '--quick' in sys.argv
    runs = 2 if quick else 5
    graph = generate_graph(NODES)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / 'big.json'
        path.write_text(graph.dumps())
        small_path = folder / 'small.json'
        small_path.write_text(generate_graph(SMALL_NODES).dumps())

        def ours_cli(graph_file: Path, label: str) -> list[float]:
            return [whole_process([sys.executable, '-m', 'studio', 'run', str(graph_file), '--simulate', '--latency-ms',
                                   '0', '--db', str(folder / f'cli-{label}-{index}.sqlite')], 1)[0]
                    for index in range(runs)]

        bare = best(whole_process([sys.executable, '-c', 'pass'], runs))
        ours_whole = ours_cli(path, 'big')
        langgraph_whole = whole_process([sys.executable, '-c', LANGGRAPH_PROGRAM, str(path)], runs)
        ours_small = ours_cli(small_path, 'small')
        langgraph_small = whole_process([sys.executable, '-c', LANGGRAPH_PROGRAM, str(small_path)], runs)
        langgraph_build, langgraph_run = langgraph_in_process(path, runs)
        build, run = ours_in_process(path, folder, runs)

        critical = critical_path_s(graph, LATENCY_MS / 1000)
        _, slow_run = ours_in_process(path, folder, 2 if quick else 3, latency_ms=LATENCY_MS)

    per_node = lambda seconds: seconds / NODES * 1e6  # noqa: E731
    ours_w, lang_w = best(ours_whole), best(langgraph_whole)
    print(f'graph: {NODES} nodes, {len(graph.edges)} edges (benchmarks/generate.py); best of {runs} fresh processes\n')
    print('1. per-node time, --simulate --latency-ms 0           ours      LangGraph   ours/LangGraph')
    print(f'   whole process (bare Python: {bare * 1000:.0f} ms)         {per_node(ours_w):7.0f} µs  {per_node(lang_w):7.0f} µs   '
          f'{ours_w / lang_w:6.2f}   {verdict(ours_w / lang_w, 1 / 3)}')
    print(f'   in process, run only (ours: recorder on)       {per_node(run):7.0f} µs  {per_node(langgraph_run):7.0f} µs   '
          f'{run / langgraph_run:6.2f}   {verdict(run / langgraph_run, 1 / 3)}')
    ours_m = (ours_w - best(ours_small)) / (NODES - SMALL_NODES)
    lang_m = (lang_w - best(langgraph_small)) / (NODES - SMALL_NODES)
    print(f'   {f"marginal per node ({NODES} - {SMALL_NODES} nodes)":<50}{ours_m * 1e6:7.0f} µs  '
          f'{lang_m * 1e6:7.0f} µs   {ours_m / lang_m:6.2f}   {verdict(ours_m / lang_m, 1 / 3)}')
    print(f'     (whole process at {SMALL_NODES} nodes: ours {best(ours_small) * 1000:.0f} ms, '
          f'LangGraph {best(langgraph_small) * 1000:.0f} ms)')
    print(f'   in process, build (not a target)               {per_node(build):7.0f} µs  '
          f'{per_node(langgraph_build):7.0f} µs   {build / langgraph_build:6.2f}\n')

    ratio = slow_run / critical
    print(f'2. every call {LATENCY_MS} ms, persistence on: wall {slow_run:.3f} s, critical path {critical:.3f} s, '
          f'ratio {ratio:.3f}   {verdict(ratio, 1.05)}\n')

    print('3. savings against flagship-only (simulated; nodes.costs.FLAGSHIP_DEFINITION: one flagship call per node)')
    for example in sorted((ROOT / 'assets' / 'examples').glob('*.json')):
        swarm = load_graph(example.read_text())
        summary = asyncio.run(MissionController(compile_graph(swarm, provider=SimulatedProvider(latency_ms=0)))
                              .run(example_inputs(swarm)))
        print(f'   {swarm.name:<22} {summary.status:<9} ${float(summary.cost_usd):.6f} vs '
              f'${float(summary.flagship_cost_usd):.6f}   saved {summary.savings_pct:5.1f}%')
    print(f'\n   (medians, whole process: ours {statistics.median(ours_whole):.2f} s, '
          f'LangGraph {statistics.median(langgraph_whole):.2f} s)')


if __name__ == '__main__':
    main()
