"""Prices from litellm's table, exact cost arithmetic, savings, and the tier catalog."""
import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.catalog import DEFAULT_TIERS, Catalog, CatalogError, ModelEntry, default_catalog, load_catalog
from nodes.costs import FLAGSHIP_DEFINITION, cost_usd, price_of, provider_of, savings_pct, savings_text, total_text

ROOT = Path(__file__).parents[1]
TABLE = json.loads((Path(importlib.util.find_spec('litellm').origin).parent
                    / 'model_prices_and_context_window_backup.json').read_text())


@pytest.mark.parametrize('model', sorted({model for models in DEFAULT_TIERS.values() for model in models}))
def test_every_default_model_is_priced_from_litellms_table(model):
    price = price_of(model)
    assert price.known
    assert price.input_per_token == Decimal(str(TABLE[model]['input_cost_per_token'])) > 0
    assert price.output_per_token == Decimal(str(TABLE[model]['output_cost_per_token'])) > 0


def test_the_default_tiers_get_cheaper_from_one_to_three():
    catalog = default_catalog()
    costs = [cost_usd(catalog.primary(tier).model, 1000, 1000) for tier in (1, 2, 3)]
    assert costs[0] > costs[1] > costs[2]


def test_cost_is_exact_decimal_arithmetic():
    # 0.15 $/M input and 0.60 $/M output: in floats 3 * 1.5e-7 is 4.4999999999999996e-07
    assert cost_usd('gpt-4o-mini', 3, 0) == Decimal('4.5E-7')
    assert cost_usd('gpt-4o-mini', 1000, 500) == Decimal('0.00045')
    total = sum((cost_usd('gpt-4o-mini', 1, 1) for _ in range(10)), Decimal(0))
    assert total == cost_usd('gpt-4o-mini', 10, 10)


def test_a_provider_prefix_finds_the_same_price_and_an_unknown_model_costs_nothing_but_says_so():
    assert price_of('openai/gpt-4o-mini').input_per_token == price_of('gpt-4o-mini').input_per_token
    assert (provider_of('gpt-4o-mini'), provider_of('claude-haiku-4-5'), provider_of('ollama/llama3.1')) == \
        ('openai', 'anthropic', 'ollama')
    unknown = price_of('openai/my-own-finetune')
    assert not unknown.known and unknown.cost(1000, 1000) == 0


def test_savings_are_a_percentage_of_the_flagship_cost():
    assert savings_pct(Decimal('0.25'), Decimal('1')) == 75.0
    assert savings_pct(Decimal('1'), Decimal('1')) == 0.0
    assert savings_pct(Decimal('0'), Decimal('0')) == 0.0
    assert savings_pct(Decimal('1'), Decimal('3')) == 66.67


def test_pricing_and_a_simulated_run_never_import_litellm():
    code = ('import sys, asyncio; from nodes.costs import price_of; price_of("gpt-4o-mini"); '
            'from nodes.engine import MissionController; from nodes.plan import compile_graph; '
            'from nodes.providers.simulated import SimulatedProvider; '
            'from nodes.validation import load_graph; '
            'g = load_graph(open("assets/examples/competitor-brief.json").read()); '
            's = asyncio.run(MissionController(compile_graph(g, provider=SimulatedProvider(latency_ms=0))).run({"company": "A"})); '
            'assert s.status == "succeeded" and s.cost_usd > 0; print("litellm" in sys.modules)')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == 'False'


def test_model_entries_know_which_keys_they_need():
    assert ModelEntry('gpt-5').key_names() == ('OPENAI_API_KEY',)
    assert ModelEntry('claude-opus-4-5').key_names() == ('ANTHROPIC_API_KEY',)
    assert ModelEntry('gemini/gemini-2.5-pro').key_names() == ('GEMINI_API_KEY',)
    assert ModelEntry('ollama/llama3.1').key_names() == ()
    assert ModelEntry('openai/qwen', api_base='http://127.0.0.1:8000/v1').key_names() == ()
    assert ModelEntry('openai/qwen', api_base='http://x/v1', api_key_env='QWEN_KEY').key_names() == ('QWEN_KEY',)


def test_the_catalog_says_which_keys_are_missing_and_keeps_the_usable_models():
    catalog = default_catalog()
    env = {'OPENAI_API_KEY': 'sk-1'}
    missing = catalog.missing_keys(env)
    assert missing['claude-opus-4-5'] == ('ANTHROPIC_API_KEY',) and 'gpt-5' not in missing
    usable = catalog.usable(env)
    assert [entry.model for entry in usable.models(1)] == ['gpt-5']
    assert usable.flagship.model == 'gpt-5'
    assert catalog.unusable_tiers(env) == {}
    assert catalog.unusable_tiers({}) == {tier: ('ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY')
                                         if tier < 3 else ('OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY')
                                         for tier in (1, 2, 3)}


def test_a_catalog_round_trips_and_partial_files_keep_the_other_tiers(tmp_path):
    catalog = Catalog.from_dict({'tiers': {'3': ['ollama/llama3.1', {'model': 'openai/qwen',
                                                                     'api_base': 'http://127.0.0.1:8000/v1'}]}})
    assert catalog.models(1) == default_catalog().models(1)
    assert Catalog.from_dict(catalog.to_dict()) == catalog
    path = tmp_path / 'catalog.json'
    path.write_text(json.dumps({'tiers': {'2': ['gpt-5-mini']}}))
    loaded = load_catalog(stored=catalog.to_dict(), env={'SWARM_STUDIO_CATALOG': str(path)})
    assert loaded.primary(2).model == 'gpt-5-mini' and loaded.primary(3).model == 'ollama/llama3.1'


@pytest.mark.parametrize('document, message', [
    ({'tiers': {'4': ['gpt-5']}}, 'tier "4" does not exist'),
    ({'tiers': {'1': []}}, 'tier 1 needs a non-empty list of models'),
    ({'tiers': {'1': [{'model': 'x', 'key': 'sk-secret'}]}}, 'unknown key "key"'),
    ({'tiers': {'1': [42]}}, 'a model is a litellm model name'),
    (['gpt-5'], 'expected {"tiers"'),
])
def test_a_bad_catalog_is_refused_with_a_reason(document, message):
    with pytest.raises(CatalogError, match=message.replace('(', r'\(').replace('{', r'\{')):
        Catalog.from_dict(document)


def test_a_missing_catalog_file_is_a_clear_error(tmp_path):
    with pytest.raises(CatalogError, match='does not exist'):
        load_catalog(env={'SWARM_STUDIO_CATALOG': str(tmp_path / 'nope.json')})


# -- the flagship counterfactual (nodes.costs.FLAGSHIP_DEFINITION) -------------------------------

class TokenScript:
    """A provider double: each call of a node answers the next (reply, input tokens, output tokens)."""
    simulated = True
    default_concurrency = None

    def __init__(self, replies: list[tuple[str, int, int]]) -> None:
        self.replies = list(replies)
        self.requests = []

    async def complete(self, request):
        from nodes.providers import Completion
        self.requests.append(request)
        text, input_tokens, output_tokens = self.replies.pop(0)
        return Completion(text, input_tokens, output_tokens, request.model)

    def estimate_tokens(self, request):
        return 100, 100


def one_agent(tier: int = 3, model: str | None = None, retries: int = 2):
    from nodes.graph import Graph
    config = {'tier': tier, 'prompt': 'List the steps', 'max_retries': retries,
              'output_schema': {'type': 'object', 'required': ['steps']}}
    if model:
        config['model'] = model
    return Graph.model_validate({'name': 't', 'nodes': [{'id': 'a', 'kind': 'agent', 'config': config}],
                                 'edges': []})


def run_one(graph, replies, catalog=None, **options):
    import asyncio
    from nodes.engine import MissionController
    from nodes.plan import compile_graph
    provider = TokenScript(replies)
    return asyncio.run(MissionController(compile_graph(graph, catalog, provider), **options).run()), provider


def test_three_failures_on_tier_three_then_success_on_tier_two_cost_one_flagship_call():
    # Retried prompts grow (the bad reply and the feedback go back); the flagship would answer
    # the first prompt once: 1000 in (the first attempt's), 300 out (the accepted reply's).
    replies = [('not json', 1000, 400), ('still not', 1500, 400), ('nope', 2000, 400), ('{"steps": []}', 1000, 300)]
    summary, _ = run_one(one_agent(tier=3), replies)
    node = summary.nodes['a']
    assert [attempt.tier for attempt in node.attempts] == [3, 3, 3, 2] and node.status == 'succeeded'
    catalog = default_catalog()
    flagship = catalog.flagship.price
    assert node.flagship_cost_usd == flagship.cost(1000, 300) == summary.flagship_cost_usd
    actual = sum((catalog.primary(3).price.cost(i, o) for _, i, o in replies[:3]), Decimal(0)) \
        + catalog.primary(2).price.cost(1000, 300)
    assert node.cost_usd == actual == summary.cost_usd
    assert summary.savings_pct == savings_pct(actual, flagship.cost(1000, 300))
    # the old definition (every attempt's tokens on the flagship) would have claimed far more
    everything = sum((flagship.cost(i, o) for _, i, o in replies), Decimal(0))
    assert savings_pct(actual, everything) > summary.savings_pct + 20
    assert [attempt.flagship_cost_usd for attempt in node.attempts] == [0, 0, 0, flagship.cost(1000, 300)]
    entry = summary.to_dict()['nodes']['a']
    assert entry['flagship_cost_usd'] == float(flagship.cost(1000, 300))
    assert entry['savings_pct'] == node.savings_pct == savings_pct(actual, flagship.cost(1000, 300))


def test_a_node_that_cost_more_than_the_flagship_shows_a_negative_saving():
    replies = [('bad', 3000, 900)] * 3 + [('bad', 3000, 900)] * 3 + [('{"steps": [1]}', 3000, 100)]
    summary, _ = run_one(one_agent(tier=3), replies)
    node = summary.nodes['a']
    assert [attempt.tier for attempt in node.attempts][-1] == 1
    assert node.cost_usd > node.flagship_cost_usd and node.savings_pct < 0 and summary.savings_pct < 0


def test_a_failed_node_adds_its_cost_but_no_counterfactual():
    summary, _ = run_one(one_agent(tier=1, retries=0), [('bad', 500, 50)])
    node = summary.nodes['a']
    assert node.status == 'failed' and node.cost_usd > 0 and node.flagship_cost_usd == 0
    assert node.to_dict()['flagship_cost_usd'] is None and node.savings_pct is None


def test_the_definition_is_in_the_run_summary_and_the_readme():
    summary, _ = run_one(one_agent(), [('{"steps": []}', 100, 10)])
    document = summary.to_dict()
    assert document['flagship_definition'] == FLAGSHIP_DEFINITION
    assert document['cost_complete'] is True and document['unpriced_nodes'] == []
    assert FLAGSHIP_DEFINITION in ' '.join((ROOT / 'README.md').read_text().split())


# -- unpriced models ---------------------------------------------------------------------------

UNPRICED = 'openai/house-model-7b'


def test_a_model_nothing_prices_is_unpriced_and_an_entry_can_price_it():
    assert not ModelEntry(UNPRICED).price.known
    assert not ModelEntry('ollama/house-llama', api_base='http://127.0.0.1:11434').price.known
    free = ModelEntry.from_value({'model': UNPRICED, 'input_cost_per_token': 0, 'output_cost_per_token': 0}, 'x')
    assert free.price.known and free.price.cost(1000, 1000) == 0
    priced = ModelEntry.from_value({'model': UNPRICED, 'input_cost_per_token': 1e-7,
                                    'output_cost_per_token': 4e-7}, 'x')
    assert priced.price.cost(10, 10) == Decimal('0.000005')
    assert Catalog.from_dict(priced_catalog_document()).to_dict()['tiers']['3'][0] == \
        {'model': UNPRICED, 'input_cost_per_token': 1e-7, 'output_cost_per_token': 4e-7}
    with pytest.raises(CatalogError, match='needs both'):
        ModelEntry.from_value({'model': UNPRICED, 'input_cost_per_token': 0}, 'x')
    with pytest.raises(CatalogError, match='USD per token'):
        ModelEntry.from_value({'model': UNPRICED, 'input_cost_per_token': '0', 'output_cost_per_token': 0}, 'x')
    assert Catalog.from_dict({'tiers': {'3': [UNPRICED]}}).unpriced() == (UNPRICED,)


def priced_catalog_document():
    return {'tiers': {'3': [{'model': UNPRICED, 'input_cost_per_token': 1e-7, 'output_cost_per_token': 4e-7}]}}


def test_an_unpriced_node_has_an_unknown_cost_and_the_total_says_incomplete():
    catalog = Catalog.from_dict({'tiers': {'3': [UNPRICED]}})
    summary, _ = run_one(one_agent(tier=3), [('{"steps": []}', 100, 10)], catalog)
    document = summary.to_dict()
    assert document['nodes']['a']['cost_usd'] is None and document['nodes']['a']['savings_pct'] is None
    assert document['cost_complete'] is False and document['unpriced_nodes'] == ['a']
    assert document['savings_pct'] is None and document['cost_usd'] == 0
    assert summary.nodes['a'].attempts[0].to_dict()['cost_usd'] is None
    assert total_text('$0.0123', 2) == '≥ $0.0123, 2 nodes unpriced'
    assert savings_text(40.0, 1) == 'saved ≤ 40.0% (incomplete)' and savings_text(40.0) == 'saved 40.0%'


def test_a_run_with_a_budget_that_may_call_an_unpriced_model_is_refused_before_any_call():
    from nodes.engine import UnpricedModel
    # tier 3 is priced; the escalation tier 2 falls back to an unpriced model
    catalog = Catalog.from_dict({'tiers': {'2': ['gpt-5-mini', UNPRICED]}})
    with pytest.raises(UnpricedModel, match=f'node "a" may call {UNPRICED}.*input_cost_per_token'):
        run_one(one_agent(tier=3), [('{"steps": []}', 100, 10)], catalog, budget_usd=1)
    summary, provider = run_one(one_agent(tier=3), [('{"steps": []}', 100, 10)], catalog)
    assert summary.status == 'succeeded' and summary.cost_complete  # without a budget it runs
    priced = Catalog.from_dict({'tiers': {'2': ['gpt-5-mini', {'model': UNPRICED, 'input_cost_per_token': 0,
                                                                'output_cost_per_token': 0}]}})
    summary, _ = run_one(one_agent(tier=3), [('{"steps": []}', 100, 10)], priced, budget_usd=1)
    assert summary.status == 'succeeded'
