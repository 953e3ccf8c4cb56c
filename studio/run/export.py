"""A stored run as JSON: the run summary the CLI prints (`swarm-studio run --json`), plus attempts.

    {"run_id", "status", "simulated", "cost_usd", "flagship_cost_usd", "savings_pct",
     "tokens": {"input", "output"}, "nodes": {id: {"status", "tier", "model", "attempts",
     "cost_usd", "output", "error"}}, "outputs": {…},
     "graph": {"id", "name", "version"}, "inputs", "started_at", "duration_s",
     "attempts": [{"node_id", "number", "tier", "model", "messages", "reply", "output",
                   "error", "error_kind", "input_tokens", "output_tokens", "cost_usd",
                   "flagship_cost_usd", "latency_s"}]}
"""
from __future__ import annotations

import json
import re
from typing import Any

ATTEMPT_KEYS = ('node_id', 'number', 'tier', 'model', 'messages', 'reply', 'output', 'error', 'error_kind',
                'input_tokens', 'output_tokens', 'cost_usd', 'flagship_cost_usd', 'latency_s')


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def run_export(detail: Any, output_node_ids: set[str], version: int | None = None) -> dict[str, Any]:
    """The export of a stored run.

    :param detail: `storage.runs.RunDetail`
    :param output_node_ids: the ids of the output nodes of the graph version it ran
    :param version: that version's number, if known
    """
    run = detail.run
    nodes = {node_id: {'status': row.status, 'tier': row.tier, 'model': row.model, 'attempts': row.attempts,
                       'cost_usd': row.cost_usd, 'output': _loads(row.output), 'error': row.error}
             for node_id, row in detail.nodes.items()}
    attempts = []
    for row in detail.attempts:
        attempt = {key: getattr(row, key) for key in ATTEMPT_KEYS}
        attempt['messages'], attempt['output'] = json.loads(row.messages), _loads(row.output)
        attempts.append(attempt)
    return {'run_id': run.id, 'status': run.status, 'simulated': run.simulated, 'cost_usd': run.cost_usd,
            'flagship_cost_usd': run.flagship_cost_usd, 'savings_pct': run.savings_pct,
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
