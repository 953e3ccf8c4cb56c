"""A stored run as JSON: the run summary the CLI prints (`swarm-studio run --json`), plus attempts.

    {"run_id", "status", "simulated", "cost_usd", "cost_complete", "unpriced_nodes",
     "flagship_cost_usd", "savings_pct", "flagship_definition",
     "tokens": {"input", "output"}, "nodes": {id: {"status", "tier", "model", "attempts",
     "cost_usd", "flagship_cost_usd", "savings_pct", "output", "error"}}, "outputs": {…},
     "graph": {"id", "name", "version"}, "inputs", "started_at", "duration_s",
     "attempts": [{"node_id", "number", "tier", "model", "messages", "reply", "output",
                   "error", "error_kind", "input_tokens", "output_tokens", "cost_usd",
                   "flagship_cost_usd", "latency_s"}]}
"""
from __future__ import annotations

import json
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from nodes.costs import FLAGSHIP_DEFINITION, savings_pct

ATTEMPT_KEYS = ('node_id', 'number', 'tier', 'model', 'messages', 'reply', 'output', 'error', 'error_kind',
                'input_tokens', 'output_tokens', 'cost_usd', 'flagship_cost_usd', 'latency_s')
# An attempt's `cost_usd` is null when its node is unpriced and it was billed tokens.


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _money(value: float) -> Decimal:
    return Decimal(repr(value))


def node_costs(row: Any, attempts: list[Any], unpriced: bool, flagship_priced: bool) -> dict[str, Any]:
    """A stored node's `cost_usd`, `flagship_cost_usd` and `savings_pct` as the run summary gives them."""
    # The accepted attempt (no error) carries the node's flagship counterfactual.
    accepted = [attempt for attempt in attempts if attempt.error is None]
    flagship = sum((_money(attempt.flagship_cost_usd) for attempt in accepted), Decimal(0)) \
        if accepted and flagship_priced else None
    saving = savings_pct(_money(row.cost_usd), flagship) if flagship is not None and not unpriced else None
    return {'cost_usd': None if unpriced else row.cost_usd,
            'flagship_cost_usd': None if flagship is None else float(flagship), 'savings_pct': saving}


def run_export(detail: Any, output_node_ids: set[str], version: int | None = None,
               unpriced_nodes: Collection[str] = (), flagship_priced: bool = True) -> dict[str, Any]:
    """The export of a stored run.

    :param detail: `storage.runs.RunDetail`
    :param output_node_ids: the ids of the output nodes of the graph version it ran
    :param version: that version's number, if known
    :param unpriced_nodes: the nodes whose cost is unknown, and
    :param flagship_priced: whether the flagship was priced (`RunRepository.cost_gaps`)
    """
    run = detail.run
    by_node: dict[str, list[Any]] = {}
    for row in detail.attempts:
        by_node.setdefault(row.node_id, []).append(row)
    nodes = {node_id: {'status': row.status, 'tier': row.tier, 'model': row.model, 'attempts': row.attempts,
                       **node_costs(row, by_node.get(node_id, []), node_id in unpriced_nodes, flagship_priced),
                       'output': _loads(row.output), 'error': row.error}
             for node_id, row in detail.nodes.items()}
    complete = not unpriced_nodes
    attempts = []
    for row in detail.attempts:
        attempt = {key: getattr(row, key) for key in ATTEMPT_KEYS}
        attempt['messages'], attempt['output'] = json.loads(row.messages), _loads(row.output)
        if row.node_id in unpriced_nodes and (row.input_tokens or row.output_tokens) and not row.cost_usd:
            attempt['cost_usd'] = None
        attempts.append(attempt)
    return {'run_id': run.id, 'status': run.status, 'simulated': run.simulated, 'cost_usd': run.cost_usd,
            'cost_complete': complete, 'unpriced_nodes': list(unpriced_nodes),
            'flagship_cost_usd': run.flagship_cost_usd if flagship_priced else None,
            'savings_pct': run.savings_pct if complete and flagship_priced else None,
            'flagship_definition': FLAGSHIP_DEFINITION,
            'tokens': {'input': run.input_tokens, 'output': run.output_tokens}, 'nodes': nodes,
            'outputs': {node_id: node['output'] for node_id, node in nodes.items()
                        if node_id in output_node_ids and node['status'] == 'succeeded'},
            'graph': {'id': run.graph_id, 'name': run.graph_name, 'version': version},
            'inputs': json.loads(run.inputs), 'budget_usd': run.budget_usd,
            'started_at': run.started_at.isoformat() if run.started_at else None, 'duration_s': run.duration_s,
            'attempts': attempts}


def export_file_name(graph_name: str, run_id: str) -> str:
    """`<graph-name>-run-<first 8 of the run id>.json`."""
    stem = re.sub(r'[^a-z0-9]+', '-', graph_name.lower()).strip('-') or 'graph'
    return f'{stem}-run-{run_id[:8]}.json'
