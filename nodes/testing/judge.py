"""The judge check: an agent on a chosen tier scores an output against a rubric.

The judge is itself a small mission (an input, one agent with a score schema, an output) run by
the engine on the test's own provider and catalog, so it is priced, retried and escalated like
any agent, and its cost is added to the row's. It runs on its own tier in every variant of a
side-by-side test (`--flagship-only` moves the graph's agents, not the judge), so both sides are
graded alike.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..engine import MissionController, UnpricedModel
from ..graph import Graph
from ..plan import compile_graph

SCORE_SCHEMA = {'type': 'object', 'properties': {'score': {'type': 'number', 'minimum': 0, 'maximum': 1},
                                                 'reason': {'type': 'string'}},
                'required': ['score', 'reason']}
SYSTEM = ('You grade the output of an AI workflow against a rubric. Be strict and brief: score 1 only when the '
          'output fully meets the rubric, 0 when it does not meet it at all.')
PROMPT = ('Rubric:\n{{ case.rubric }}\n\nExpected answer (may be empty):\n{{ case.expected }}\n\n'
          'Output to grade:\n{{ case.output }}\n\nScore the output from 0 to 1 and give the reason in one sentence.')


@dataclass(frozen=True, slots=True)
class Verdict:
    """A judge's score (None when the judge itself failed, `error` says why) and what it cost."""
    score: float | None
    reason: str
    cost_usd: Decimal
    cost_known: bool = True
    error: str | None = None


def judge_graph(tier: int) -> Graph:
    return Graph.model_validate({'name': 'Judge', 'nodes': [
        {'id': 'case', 'kind': 'input', 'config': {'fields': [
            {'name': 'output', 'type': 'string'}, {'name': 'expected', 'type': 'string', 'default': ''},
            {'name': 'rubric', 'type': 'string'}]}},
        {'id': 'judge', 'kind': 'agent', 'config': {'tier': tier, 'system': SYSTEM, 'prompt': PROMPT,
                                                    'output_schema': SCORE_SCHEMA, 'temperature': 0}},
        {'id': 'verdict', 'kind': 'output', 'config': {}}],
        'edges': [{'source': 'case', 'target': 'judge'}, {'source': 'judge', 'target': 'verdict'}]})


async def judge(output: Any, expected: Any, rubric: str, tier: int, catalog: Catalog, provider: Any,
                budget_usd: Decimal | None = None) -> Verdict:
    """Score `output` against `rubric` (and the expected value, when there is one)."""
    plan = compile_graph(judge_graph(tier), catalog, provider)
    try:
        mission = MissionController(plan, budget_usd=budget_usd)
    except UnpricedModel as error:
        return Verdict(None, '', Decimal(0), error=f'the judge cannot run within a budget: {error}')
    inputs = {'output': _text(output), 'expected': '' if expected is None else _text(expected), 'rubric': rubric}
    summary = await mission.run(inputs)
    cost, known = summary.cost_usd, summary.cost_complete
    result = summary.nodes['judge']
    if result.status != 'succeeded':
        return Verdict(None, '', cost, known, f'the judge {result.status}: {result.error or summary.status}')
    return Verdict(float(result.output['score']), str(result.output.get('reason', '')), cost, known)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
