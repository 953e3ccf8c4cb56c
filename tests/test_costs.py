"""Prices from litellm's table, exact cost arithmetic, savings, and the tier catalog."""
import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.catalog import DEFAULT_TIERS, Catalog, CatalogError, ModelEntry, default_catalog, load_catalog
from nodes.costs import cost_usd, price_of, provider_of, savings_pct

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
