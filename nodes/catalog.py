"""The tier catalog: which models serve each tier, in order (primary first, then fallbacks).

Tier 1 = high reasoning, 2 = analytical / coding, 3 = commodity / high-speed. The defaults
are models listed in litellm's price table. A catalog is plain data (`to_dict` /
`from_dict`): the app stores it in the database, and a JSON file named by the environment
variable `SWARM_STUDIO_CATALOG` overrides it for one process:

    {"tiers": {"3": ["ollama/llama3.1",
                     {"model": "openai/qwen2.5", "api_base": "http://127.0.0.1:8000/v1"}]}}

Tiers a file or a stored catalog leave out keep their defaults. Keys are never stored: an
entry names the environment variable that holds its key, and `missing_keys` says which are
not set.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .costs import provider_of

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


class CatalogError(ValueError):
    """A catalog file or stored catalog that cannot be used."""


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model of a tier.

    :param model: a litellm model name (`gpt-4o-mini`, `ollama/llama3.1`, `openai/<name>` …)
    :param api_base: the base URL of an OpenAI-compatible or local server, if not the provider's
    :param api_key_env: the environment variable holding its key (default: the provider's usual one)
    """
    model: str
    api_base: str | None = None
    api_key_env: str | None = None

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

    def to_dict(self) -> str | dict[str, str]:
        if not self.api_base and not self.api_key_env:
            return self.model
        return {key: value for key, value in (('model', self.model), ('api_base', self.api_base),
                                              ('api_key_env', self.api_key_env)) if value}

    @classmethod
    def from_value(cls, value: Any, where: str) -> ModelEntry:
        if isinstance(value, str) and value.strip():
            return cls(value.strip())
        if isinstance(value, dict) and isinstance(value.get('model'), str) and value['model'].strip():
            unknown = set(value) - {'model', 'api_base', 'api_key_env'}
            if unknown:
                raise CatalogError(f'{where}: unknown key "{sorted(unknown)[0]}" (known: model, api_base, api_key_env)')
            for key in ('api_base', 'api_key_env'):
                if value.get(key) is not None and not isinstance(value[key], str):
                    raise CatalogError(f'{where}: "{key}" must be a string')
            return cls(value['model'].strip(), value.get('api_base') or None, value.get('api_key_env') or None)
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
