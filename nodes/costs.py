"""Prices from litellm's price table, and exact cost arithmetic.

litellm ships its price table as a JSON file inside the package; reading that file directly
(found without importing litellm, which takes seconds) keeps simulated runs fast and still
prices every call at litellm's figures. Costs are `Decimal`s built from the table's decimal
text, so a run's cost is exactly the sum of its attempts' costs.

A model the table does not list, and whose catalog entry gives no price, is *unpriced*: its
calls' cost is unknown, never $0 (`Price.known` is False and the figures say incomplete).
"""
from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICE_TABLE_FILE = 'model_prices_and_context_window_backup.json'
ZERO = Decimal(0)

FLAGSHIP_DEFINITION = (
    "flagship-only cost: per node, one call of the tier-1 primary model with the node's first prompt "
    "(the input tokens of its first attempt) and its accepted reply (the output tokens of the attempt "
    "that succeeded). Failed attempts, retries and escalations count in the actual cost only; a node "
    "with no accepted reply adds nothing; a node's saving may be negative.")
"""The savings counterfactual, written once: the README, the figures bar, the run panel and the
run summary (`flagship_definition`) all show this text."""


@dataclass(frozen=True, slots=True)
class Price:
    """A model's price per token in USD; `known` is False when the table does not list it."""
    model: str
    input_per_token: Decimal
    output_per_token: Decimal
    provider: str | None
    known: bool

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return self.input_per_token * input_tokens + self.output_per_token * output_tokens


def litellm_package_dir() -> Path:
    """The installed litellm package's directory, found without importing it."""
    spec = importlib.util.find_spec('litellm')
    if spec is None or spec.origin is None:
        raise RuntimeError('litellm is not installed; reinstall Swarm Studio (scripts/setup.sh)')
    return Path(spec.origin).parent


@lru_cache(maxsize=1)
def price_table() -> dict[str, dict[str, Any]]:
    """litellm's model price table (model name -> its entry)."""
    with open(litellm_package_dir() / PRICE_TABLE_FILE, encoding='utf-8') as file:
        table = json.load(file)
    table.pop('sample_spec', None)
    return table


def table_entry(model: str) -> dict[str, Any] | None:
    """The table's entry for a litellm model name, with or without its `provider/` prefix."""
    table = price_table()
    entry = table.get(model)
    if entry is None and '/' in model:
        entry = table.get(model.split('/', 1)[1])
    return entry


def provider_of(model: str) -> str:
    """The provider that serves a model: its `provider/` prefix, else the table's, else `unknown`."""
    if '/' in model:
        return model.split('/', 1)[0]
    entry = table_entry(model)
    return (entry or {}).get('litellm_provider') or 'unknown'


def _decimal(value: Any) -> Decimal:
    # str() of a float is its shortest round-tripping text: 1.5e-07 -> Decimal('1.5E-7') exactly.
    return Decimal(str(value)) if value else ZERO


@lru_cache(maxsize=4096)
def price_of(model: str) -> Price:
    """The price of a model per token; zero and `known=False` for models the table lacks."""
    entry = table_entry(model)
    if entry is None:
        return Price(model, ZERO, ZERO, provider_of(model), False)
    return Price(model, _decimal(entry.get('input_cost_per_token')), _decimal(entry.get('output_cost_per_token')),
                 provider_of(model), True)


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """The exact cost of a call in USD at the model's table price."""
    return price_of(model).cost(input_tokens, output_tokens)


def price_from_entry(model: str, input_cost_per_token: Any, output_cost_per_token: Any) -> Price:
    """A price a catalog entry states itself (a local or private model)."""
    return Price(model, _decimal(input_cost_per_token), _decimal(output_cost_per_token), provider_of(model), True)


def savings_pct(cost: Decimal, flagship_cost: Decimal) -> float:
    """How much cheaper `cost` is than `flagship_cost`, in percent (0 when nothing was spent).

    Negative when routing cost more than the flagship would have: never clamped."""
    if flagship_cost <= 0:
        return 0.0
    return round(float((flagship_cost - cost) * 100 / flagship_cost), 2)


def total_text(money_text: str, unpriced_nodes: int) -> str:
    """A cost as shown: `≥ $0.0123, 2 nodes unpriced` while some nodes' cost is unknown."""
    if not unpriced_nodes:
        return money_text
    return f'≥ {money_text}, {unpriced_nodes} node{"s" * (unpriced_nodes != 1)} unpriced'


def savings_text(pct: float, unpriced_nodes: int = 0, flagship_priced: bool = True) -> str:
    """Savings as shown; with unpriced nodes the figure is only an upper bound, and says so."""
    if not flagship_priced:
        return 'savings unknown (the flagship model is unpriced)'
    if unpriced_nodes:
        return f'saved ≤ {pct:.1f}% (incomplete)'
    return f'saved {pct:.1f}%'
