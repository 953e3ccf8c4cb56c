"""Resume a stopped run: carry its succeeded nodes over and run only what is left.

A run that ended `over_budget`, `failed`, `cancelled` or `interrupted` can be continued by a
new run of the same graph version, with the same inputs. Every node that succeeded in it (in
any earlier part of the chain) is handed to the mission controller as a pinned output: it is
never called nor paid again, and the new run's record marks it pinned with no attempts. The
new run names the run it continues (`runs.resumed_from`), so the cost of the whole mission is
the sum along that chain.

The budget a resume is given is the mission's whole budget: what earlier parts spent counts
against it, and this part may spend the rest.

A run of a graph that changed since (any node's kind, config or title, or the edges) is
refused, naming what changed: the carried outputs were made by the graph as it was. A graph
file run from the command line is not stored, so whether it changed cannot be told: such a
run is refused too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RESUMABLE = ('over_budget', 'failed', 'cancelled', 'interrupted')


class ResumeRefused(ValueError):
    """The run cannot be resumed; the message says why, in one line."""


@dataclass(frozen=True)
class Resumption:
    """What a resumed run needs: the graph to run and what it carries over.

    :param earlier_cost_usd: what the runs it continues cost, together (a lower bound when
        `earlier_complete` is False: a node there was unpriced)
    :param earlier_flagship_usd: their flagship-only cost, together
    """
    run_id: str
    graph: Any
    graph_id: str
    graph_version_id: int
    inputs: dict[str, Any]
    simulated: bool
    pinned: dict[str, Any]
    budget_usd: float | None
    earlier_cost_usd: float
    earlier_flagship_usd: float
    earlier_complete: bool


def chain(runs: Any, run_id: str) -> list[Any]:
    """The run rows from the first part of a mission to `run_id`, following `resumed_from`."""
    rows, seen = [], set()
    current: str | None = run_id
    while current is not None and current not in seen:
        seen.add(current)
        row = runs.get_run(current).run
        rows.append(row)
        current = row.resumed_from
    return rows[::-1]


def mission_budget(parts: list[Any]) -> float | None:
    """The whole mission's budget, from its parts (`chain`): each part is given what was left of
    it when it started, so the last part's budget plus what the parts before it cost."""
    last = parts[-1].budget_usd
    return None if last is None else last + sum(part.cost_usd for part in parts[:-1])


def chain_totals(runs: Any, run_id: str) -> dict[str, Any] | None:
    """The `resumed` entry of a resumed run's summary: this part's cost, the earlier parts', the total."""
    rows = chain(runs, run_id)
    if len(rows) < 2:
        return None
    this, earlier = rows[-1], rows[:-1]
    cost = sum(row.cost_usd for row in rows)
    flagship = sum(row.flagship_cost_usd for row in rows)
    complete = all(not row.unpriced_nodes for row in rows)
    priced = all(row.flagship_priced for row in rows)
    return {'from': this.resumed_from, 'parts': [row.id for row in rows],
            'this_part_cost_usd': this.cost_usd, 'earlier_cost_usd': sum(row.cost_usd for row in earlier),
            'total_cost_usd': cost, 'total_complete': complete,
            'total_flagship_cost_usd': flagship if priced else None,
            'total_savings_pct': (100.0 * (flagship - cost) / flagship if flagship else 0.0)
            if complete and priced else None}


def prepare(runs: Any, graphs: Any, run_id: str, budget_usd: float | None = None) -> Resumption:
    """Check that `run_id` can be resumed and gather what its continuation needs; `ResumeRefused` if not.

    :param budget_usd: the mission's budget, all parts together (default: the stopped run's)
    """
    from nodes.graph_diff import changes_since
    from storage.graphs import GraphNotFound

    detail = runs.get_run(run_id)
    run = detail.run
    short = run_id[:8]
    if run.status not in RESUMABLE:
        raise ResumeRefused(f'run {short} {_ended(run.status)}; only a run that ended over budget, failed, '
                            'cancelled or interrupted can be resumed')
    if run.graph_id is None or run.graph_version_id is None:
        where = f' the file {run.source}' if run.source else ' a graph that was not stored'
        raise ResumeRefused(f'run {short} ran{where}, so whether its graph changed since cannot be told; '
                            'import the graph and run it by name to be able to resume its runs')
    try:
        _, ran = graphs.get_version_by_id(run.graph_version_id)
        now = graphs.get(run.graph_id)
        current = graphs.current_version(run.graph_id)
    except GraphNotFound:
        raise ResumeRefused(f'the graph run {short} ran is no longer stored') from None
    parts = chain(runs, run_id)
    changes = changes_since(ran, now)
    if changes:
        raise ResumeRefused(f'graph "{now.name}" changed since run {short}: {", ".join(changes)}; '
                            're-run from the first changed node instead (in the editor)')
    pinned: dict[str, Any] = {}
    kinds = {node.id: node.kind for node in now.nodes}
    for part in parts:
        for node_id, row in runs.get_run(part.id).nodes.items():
            if row.status == 'succeeded' and kinds.get(node_id) not in (None, 'input') and row.output is not None:
                pinned[node_id] = json.loads(row.output)
    budget = mission_budget(parts) if budget_usd is None else budget_usd
    earlier = sum(part.cost_usd for part in parts)
    if budget is not None and budget <= earlier:
        raise ResumeRefused(f'the mission has cost ${earlier:.6f} so far, which its budget of ${budget:.6f} '
                            'leaves nothing of; give a larger --budget (the whole mission\'s)')
    return Resumption(run_id, now, run.graph_id, current.id, json.loads(run.inputs), run.simulated, pinned,
                      budget, earlier, sum(part.flagship_cost_usd for part in parts),
                      all(not part.unpriced_nodes for part in parts))


def _ended(status: str) -> str:
    return {'running': 'is still running', 'succeeded': 'succeeded'}.get(status, f'ended {status}')
