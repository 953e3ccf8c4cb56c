"""Simulated or live: which the Run form offers, and the provider and catalog a run gets.

Live is offered when every tier has at least one catalog model whose key is in the
environment (models without a key are left out of the run's catalog); otherwise the form
says which keys are missing. Keys are read from the environment and never shown.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nodes.catalog import Catalog

SIMULATED, LIVE = 'simulated', 'live'


@dataclass(frozen=True)
class LiveOption:
    """Whether live runs can be offered, and what to tell the user about keys."""
    offered: bool
    message: str
    missing: dict[str, tuple[str, ...]]  # model -> environment variables it needs that are not set


def _either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ', '.join(names[:-1]) + ' or ' + names[-1]


def live_option(catalog: Catalog, env: Mapping[str, str] | None = None) -> LiveOption:
    env = os.environ if env is None else env
    missing = catalog.missing_keys(env)
    unusable = catalog.unusable_tiers(env)
    if unusable:
        needs = '; '.join(f'tier {tier}: set {_either(keys)}' if keys else f'tier {tier}: no model it can call'
                          for tier, keys in sorted(unusable.items()))
        return LiveOption(False, f'Live runs need a key for a model of every tier — {needs}.', missing)
    if missing:
        skipped = ', '.join(f'{model} ({_either(keys)})' for model, keys in missing.items())
        return LiveOption(True, f'Models without a key are left out: {skipped}.', missing)
    return LiveOption(True, 'Every catalog model has its key.', missing)


def run_catalog(mode: str, catalog: Catalog) -> Catalog:
    """The catalog a run in `mode` gets (live: the models whose keys are set)."""
    return catalog.usable() if mode == LIVE else catalog


def provider_for(mode: str, catalog: Catalog, latency_ms: int | None = None) -> tuple[Any, Catalog]:
    """(provider, catalog) for a run in `mode`; ValueError if live is not available.

    :param latency_ms: simulated latency of every call (default: the per-tier latencies)
    """
    if mode == SIMULATED:
        from nodes.providers.simulated import SimulatedProvider
        return SimulatedProvider(latency_ms=latency_ms), catalog
    if mode != LIVE:
        raise ValueError(f'unknown provider mode "{mode}"; use simulated or live')
    option = live_option(catalog)
    if not option.offered:
        raise ValueError(option.message)
    from nodes.providers.live import LiveProvider
    return LiveProvider(), run_catalog(mode, catalog)
