"""The judge check's agent (nodes/testing/judge.py): a scored verdict, its cost, its own failures."""
from decimal import Decimal

from nodes.catalog import Catalog, default_catalog
from nodes.providers.simulated import SimulatedProvider
from nodes.testing.judge import judge, judge_graph


async def test_a_judge_scores_between_zero_and_one_on_its_tier_and_costs_what_it_called():
    catalog = Catalog.from_dict({'tiers': {'1': ['claude-opus-4-5'], '2': ['gpt-5-mini'], '3': ['gpt-4o-mini']}})
    verdict = await judge('1. research\n2. compare', 'Acme', 'A numbered plan.', 3, catalog,
                          SimulatedProvider(latency_ms=0))
    assert verdict.error is None and 0 <= verdict.score <= 1 and verdict.reason
    assert verdict.cost_usd > 0 and verdict.cost_known
    assert judge_graph(3).node('judge').config['tier'] == 3


async def test_a_judge_that_cannot_run_says_why_and_gives_no_score():
    unpriced = Catalog.from_dict({'tiers': {'1': ['ollama/nobody-prices-this'], '2': ['gpt-5-mini'],
                                            '3': ['ollama/nobody-prices-this']}})
    refused = await judge({'steps': []}, None, 'Any plan.', 3, unpriced, SimulatedProvider(latency_ms=0),
                          Decimal('1'))
    assert refused.score is None and refused.error.startswith('the judge cannot run within a budget: ')
    spent = await judge('text', None, 'Any plan.', 2, default_catalog(), SimulatedProvider(latency_ms=0), Decimal('0'))
    assert spent.score is None and spent.cost_usd == 0
    assert spent.error.startswith('the judge skipped: over budget: a call of claude-sonnet-4-5 estimated at $')
