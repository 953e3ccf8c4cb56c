"""The tier catalog: which models serve each tier, in order (primary first, then fallbacks).

Tier 1 = high reasoning, 2 = analytical / coding, 3 = commodity / high-speed. The defaults
are models listed in litellm's price table. A catalog is plain data (`to_dict` /
`from_dict`): the app stores it in the database, and a JSON file named by the environment
variable `SWARM_STUDIO_CATALOG` overrides it for one process:

    {"tiers": {"3": ["ollama/llama3.1",
                     {"model": "openai/qwen2.5", "api_base": "http://127.0.0.1:8000/v1"}]}}

An entry may state its own price per token (`"input_cost_per_token": 0, "output_cost_per_token": 0`
for a local model); otherwise litellm's table prices it, and a model in neither is *unpriced*:
its cost is unknown, shown as such, and a run with a budget refuses to call it.

Tiers a file or a stored catalog leave out keep their defaults. Keys are never stored: an
entry names the environment variable that holds its key, and `missing_keys` says which are
not set.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .costs import Price, price_from_entry, price_of, provider_of

TIERS = (1, 2, 3)
CATALOG_ENV = 'SWARM_STUDIO_CATALOG'

DEFAULT_TIERS: dict[int, tuple[str, ...]] = {
    1: ('claude-opus-4-5', 'gpt-5', 'gemini/gemini-2.5-pro'),
    2: ('claude-sonnet-4-5', 'gpt-5-mini', 'gemini/gemini-2.5-flash'),
    3: ('gpt-4o-mini', 'claude-haiku-4-5', 'gemini/gemini-2.5-flash-lite'),
}

# The environment variable litellm reads for each provider's key; providers not listed here
# either need no key (ollama) or need credentials this table cannot name (bedrock, vertex).
PROVIDER_KEYS: dict[str, str] = {
    'openai': 'OPENAI_API_KEY', 'anthropic': 'ANTHROPIC_API_KEY', 'gemini': 'GEMINI_API_KEY',
    'mistral': 'MISTRAL_API_KEY', 'groq': 'GROQ_API_KEY', 'deepseek': 'DEEPSEEK_API_KEY',
    'xai': 'XAI_API_KEY', 'openrouter': 'OPENROUTER_API_KEY', 'together_ai': 'TOGETHERAI_API_KEY',
    'cohere': 'COHERE_API_KEY', 'cohere_chat': 'COHERE_API_KEY', 'fireworks_ai': 'FIREWORKS_AI_API_KEY',
    'perplexity': 'PERPLEXITYAI_API_KEY', 'deepinfra': 'DEEPINFRA_API_KEY', 'cerebras': 'CEREBRAS_API_KEY',
}
KEYLESS_PROVIDERS = frozenset({'ollama', 'ollama_chat', 'lm_studio', 'llamafile'})
PRICE_KEYS = ('input_cost_per_token', 'output_cost_per_token')
ENTRY_KEYS = ('model', 'api_base', 'api_key_env', *PRICE_KEYS)
HOW_TO_PRICE = ('give its catalog entry "input_cost_per_token" and "output_cost_per_token" (USD; 0 for a '
                'free local model) on /settings or in $SWARM_STUDIO_CATALOG')


class CatalogError(ValueError):
    """A catalog file or stored catalog that cannot be used."""


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model of a tier.

    :param model: a litellm model name (`gpt-4o-mini`, `ollama/llama3.1`, `openai/<name>` …)
    :param api_base: the base URL of an OpenAI-compatible or local server, if not the provider's
    :param api_key_env: the environment variable holding its key (default: the provider's usual one)
    :param input_cost_per_token: its price in USD per prompt token, when litellm's table lacks it
        or the entry prices it otherwise (both prices are given, or neither)
    :param output_cost_per_token: its price in USD per reply token
    """
    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None

    @property
    def price(self) -> Price:
        """The entry's own price if it states one, else litellm's (`known` False: unpriced)."""
        if self.input_cost_per_token is not None:
            return price_from_entry(self.model, self.input_cost_per_token, self.output_cost_per_token)
        return price_of(self.model)

    @property
    def provider(self) -> str:
        return provider_of(self.model)

    def key_names(self) -> tuple[str, ...]:
        """The environment variables this model needs (empty for local or keyless servers)."""
        if self.api_key_env:
            return (self.api_key_env,)
        if self.api_base or self.provider in KEYLESS_PROVIDERS:
            return ()
        name = PROVIDER_KEYS.get(self.provider)
        return (name,) if name else ()

    def missing_keys(self, env: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(name for name in self.key_names() if not env.get(name))

    def to_dict(self) -> str | dict[str, Any]:
        values = {key: getattr(self, key) for key in ENTRY_KEYS}
        if all(values[key] is None for key in ENTRY_KEYS[1:]):
            return self.model
        return {key: value for key, value in values.items() if value is not None and value != ''}

    @classmethod
    def from_value(cls, value: Any, where: str) -> ModelEntry:
        if isinstance(value, str) and value.strip():
            return cls(value.strip())
        if isinstance(value, dict) and isinstance(value.get('model'), str) and value['model'].strip():
            unknown = set(value) - set(ENTRY_KEYS)
            if unknown:
                raise CatalogError(f'{where}: unknown key "{sorted(unknown)[0]}" (known: {", ".join(ENTRY_KEYS)})')
            for key in ('api_base', 'api_key_env'):
                if value.get(key) is not None and not isinstance(value[key], str):
                    raise CatalogError(f'{where}: "{key}" must be a string')
            prices = [value.get(key) for key in PRICE_KEYS]
            for key, price in zip(PRICE_KEYS, prices):
                if price is not None and (isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0):
                    raise CatalogError(f'{where}: "{key}" must be a number of USD per token, 0 or more')
            if (prices[0] is None) != (prices[1] is None):
                raise CatalogError(f'{where}: {value["model"]} needs both "input_cost_per_token" and '
                                   f'"output_cost_per_token", or neither')
            return cls(value['model'].strip(), value.get('api_base') or None, value.get('api_key_env') or None,
                       *prices)
        raise CatalogError(f'{where}: a model is a litellm model name or {{"model": …, "api_base": …}}, '
                           f'not {json.dumps(value)}')


@dataclass(frozen=True, slots=True)
class Catalog:
    """Tier -> ordered models. `primary(t)` is the first; the rest are fallbacks."""
    tiers: Mapping[int, tuple[ModelEntry, ...]]

    def models(self, tier: int) -> tuple[ModelEntry, ...]:
        return self.tiers.get(tier, ())

    def primary(self, tier: int) -> ModelEntry:
        models = self.models(tier)
        if not models:
            raise CatalogError(f'tier {tier} has no model in the catalog; add one')
        return models[0]

    @property
    def flagship(self) -> ModelEntry:
        """The tier-1 primary model: the counterfactual every run is compared against."""
        return self.primary(1)

    def entry(self, model: str) -> ModelEntry:
        """The catalog's entry for a model name (a bare entry when the catalog does not list it)."""
        for models in self.tiers.values():
            for entry in models:
                if entry.model == model:
                    return entry
        return ModelEntry(model)

    def price(self, model: str) -> Price:
        """A model's price: its catalog entry's own, else litellm's table (`known` False: unpriced)."""
        return self.entry(model).price

    def unpriced(self, tiers: Iterable[int] = TIERS) -> tuple[str, ...]:
        """The models of these tiers that nothing prices, in catalog order."""
        return tuple(dict.fromkeys(entry.model for tier in tiers for entry in self.models(tier)
                                   if not entry.price.known))

    def missing_keys(self, env: Mapping[str, str] | None = None) -> dict[str, tuple[str, ...]]:
        """Model name -> the environment variables it needs that are not set."""
        env = os.environ if env is None else env
        missing = {}
        for models in self.tiers.values():
            for entry in models:
                names = entry.missing_keys(env)
                if names:
                    missing[entry.model] = names
        return missing

    def usable(self, env: Mapping[str, str] | None = None) -> Catalog:
        """The same catalog keeping only the models whose keys are set (order kept)."""
        env = os.environ if env is None else env
        return Catalog({tier: tuple(entry for entry in models if not entry.missing_keys(env))
                        for tier, models in self.tiers.items()})

    def unusable_tiers(self, env: Mapping[str, str] | None = None) -> dict[int, tuple[str, ...]]:
        """Tier -> the keys that would make one of its models usable, for tiers with none usable."""
        usable = self.usable(env)
        env = os.environ if env is None else env
        return {tier: tuple(dict.fromkeys(name for entry in self.models(tier) for name in entry.missing_keys(env)))
                for tier in TIERS if not usable.models(tier)}

    def to_dict(self) -> dict[str, Any]:
        return {'tiers': {str(tier): [entry.to_dict() for entry in self.models(tier)] for tier in TIERS}}

    @classmethod
    def from_dict(cls, document: Any, base: Catalog | None = None, where: str = 'catalog') -> Catalog:
        """A catalog from its dict form; tiers it leaves out come from `base` (the defaults)."""
        base = default_catalog() if base is None else base
        if not isinstance(document, dict) or not isinstance(document.get('tiers'), dict):
            raise CatalogError(f'{where}: expected {{"tiers": {{"1": [models…], …}}}}')
        tiers = dict(base.tiers)
        for key, models in document['tiers'].items():
            if str(key) not in ('1', '2', '3'):
                raise CatalogError(f'{where}: tier "{key}" does not exist; tiers are 1, 2 and 3')
            if not isinstance(models, list) or not models:
                raise CatalogError(f'{where}: tier {key} needs a non-empty list of models')
            tiers[int(key)] = tuple(ModelEntry.from_value(value, f'{where}: tier {key}') for value in models)
        return cls(tiers)


def default_catalog() -> Catalog:
    """The built-in catalog: well-known models from litellm's price table."""
    return Catalog({tier: tuple(ModelEntry(model) for model in models) for tier, models in DEFAULT_TIERS.items()})


def load_catalog(stored: dict[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Catalog:
    """The catalog in force: defaults, then the stored catalog, then the file in `$SWARM_STUDIO_CATALOG`."""
    env = os.environ if env is None else env
    catalog = default_catalog()
    if stored:
        catalog = Catalog.from_dict(stored, catalog, 'stored catalog')
    path = env.get(CATALOG_ENV)
    if path:
        try:
            document = json.loads(Path(path).read_text(encoding='utf-8'))
        except FileNotFoundError:
            raise CatalogError(f'{CATALOG_ENV} names {path}, which does not exist') from None
        except (OSError, ValueError) as error:
            raise CatalogError(f'cannot read the catalog file {path} ({CATALOG_ENV}): {error}') from None
        catalog = Catalog.from_dict(document, catalog, path)
    return catalog
