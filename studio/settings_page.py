"""The `/settings` page: the tier catalog, provider keys, and run defaults.

- Tier catalog: the models of each tier (primary first, then fallbacks) with their prices
  (the entry's own, else litellm's price table); a model neither prices is marked *unpriced*
  and can be priced here. Edited here and stored in the database (storage.settings).
- Provider keys: which providers have a key in the environment. Keys are never shown, stored
  or sent to the browser: only whether each variable is set.
- Run defaults: the budget the Run form starts with, and the concurrency (calls in flight
  per provider) every run gets.
- Routing: whether `tier: auto` nodes learn from their escalations (on by default; see
  nodes/routing_history.py), saved as soon as it is switched.
"""
from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from nicegui import ui

from nodes.catalog import CATALOG_ENV, KEYLESS_PROVIDERS, PROVIDER_KEYS, TIERS, Catalog, CatalogError, ModelEntry, \
    default_catalog
from nodes.costs import FLAGSHIP_DEFINITION
from storage.db import StorageError
from storage.settings import CATALOG_KEY, get_setting, learning_enabled, save_catalog, set_learning

from .number_input import DecimalNumber
from .run.missions import Missions
from .run.preferences import RunDefaults, run_defaults, save_run_defaults

# The catalog's columns: role, model name, price (and its fields), key, buttons.
MODEL_COLUMNS = '5rem 15rem 17rem minmax(0, 1fr) auto'
TIER_NAMES = {1: 'high reasoning', 2: 'analytical / coding', 3: 'commodity / high-speed'}


UNPRICED_TEXT = ("unpriced: not in litellm's price table; its calls' cost shows as unknown, and runs with a "
                 'budget refuse it — give it a price')


def price_text(entry: ModelEntry) -> str:
    """`$3.00 in / $15.00 out per 1M tokens` (`(own price)` when the entry sets it), or *unpriced*."""
    price = entry.price
    if not price.known:
        return UNPRICED_TEXT
    own = ' (own price)' if entry.input_cost_per_token is not None else ''
    return (f'${float(price.input_per_token) * 1e6:.2f} in / ${float(price.output_per_token) * 1e6:.2f} out '
            f'per 1M tokens{own}')


def per_token(per_million: float) -> float:
    # Through the decimal text: 0.2 / 1e6 in floats is not the 2e-07 a user typed.
    return float(Decimal(str(per_million)) / 1_000_000)


def key_text(entry: ModelEntry, env: dict[str, str] | os._Environ) -> str:
    """Whether a model's key is set (the variable's name only, never its value)."""
    names = entry.key_names()
    if not names:
        return 'no key needed'
    missing = entry.missing_keys(env)
    return f'key missing: set {" or ".join(missing)}' if missing else f'key set ({", ".join(names)})'


def provider_keys(catalog: Catalog, env: dict[str, str] | os._Environ) -> list[dict[str, str]]:
    """One row per provider the app knows a key variable for: whether it is set, which catalog models use it."""
    used: dict[str, list[str]] = {}
    for tier in TIERS:
        for entry in catalog.models(tier):
            used.setdefault(entry.provider, []).append(entry.model)
    rows = [{'provider': provider, 'variable': variable, 'status': 'set' if env.get(variable) else 'not set',
             'models': ', '.join(used.get(provider, []))} for provider, variable in PROVIDER_KEYS.items()]
    rows += [{'provider': provider, 'variable': '—', 'status': 'no key needed', 'models': ', '.join(models)}
             for provider, models in used.items() if provider in KEYLESS_PROVIDERS]
    return sorted(rows, key=lambda row: (not row['models'], row['provider']))


class SettingsPage:
    """The settings of one app (its database through `missions`)."""

    def __init__(self, missions: Missions) -> None:
        self.missions = missions
        self.engine = missions.engine
        stored = get_setting(self.engine, CATALOG_KEY)
        try:
            catalog = Catalog.from_dict(stored) if stored else default_catalog()
        except CatalogError:
            catalog = default_catalog()
        self.tiers: dict[int, list[ModelEntry]] = {tier: list(catalog.models(tier)) for tier in TIERS}

        with ui.header().classes('items-center gap-2 bg-slate-800 text-white py-1 px-2'):
            ui.button(icon='apps', on_click=lambda: ui.navigate.to('/')).props('flat round color=white') \
                .tooltip('All graphs')
            ui.label('Settings').classes('text-lg')
        with ui.column().classes('w-full max-w-4xl mx-auto p-4 gap-6'):
            with ui.card().classes('w-full').mark('catalog'):
                ui.label('Tier catalog').classes('text-lg')
                ui.label('Each tier calls its first model; the others are fallbacks, in order. Prices come from '
                         "the entry's own price, else litellm's price table; a model with neither is unpriced. "
                         'Savings compare each run with its ' + FLAGSHIP_DEFINITION).classes('text-sm text-grey-8')
                if os.environ.get(CATALOG_ENV):
                    ui.label(f'{CATALOG_ENV} names a catalog file: its tiers override the ones stored here.') \
                        .classes('text-sm text-orange-9').mark('catalog-override')
                self.catalog_editor()
                with ui.row().classes('gap-2'):
                    ui.button('Save the catalog', icon='save', on_click=self.save_catalog).mark('save-catalog')
                    ui.button('Reset to defaults', on_click=self.reset_catalog).props('flat').mark('reset-catalog')
            with ui.card().classes('w-full').mark('provider-keys'):
                ui.label('Provider keys').classes('text-lg')
                ui.label('Keys are read from the environment when a live run starts; they are never shown or '
                         'stored. Set the variable and restart the app to add one.').classes('text-sm text-grey-8')
                self.keys_table()
            with ui.card().classes('w-full').mark('run-defaults'):
                ui.label('Run defaults').classes('text-lg')
                defaults = run_defaults(self.engine)
                self.budget = DecimalNumber('Default budget in USD (empty: none)', value=defaults.budget_usd, min=0) \
                    .classes('w-72').mark('default-budget')
                self.concurrency = ui.number('Calls in flight per provider (empty: its default)',
                                             value=defaults.concurrency, min=1, precision=0) \
                    .classes('w-96').mark('default-concurrency')
                ui.button('Save the defaults', icon='save', on_click=self.save_defaults).mark('save-defaults')
            with ui.card().classes('w-full').mark('routing'):
                ui.label('Routing').classes('text-lg')
                ui.label('A node on tier "auto" whose recent runs escalated (same config, same provider mode) '
                         'starts at the tier that succeeded, and tries its own tier again after a few first-time '
                         'successes. Its reason in the run log and the estimate says so.') \
                    .classes('text-sm text-grey-8')
                ui.switch('Learn from escalations', value=learning_enabled(self.engine),
                          on_change=lambda event: self.save_learning(event.value)).mark('learn-routing')

    @ui.refreshable_method
    def catalog_editor(self) -> None:
        env = os.environ
        for tier in TIERS:
            with ui.column().classes('w-full gap-1').mark(f'tier-{tier}'):
                ui.label(f'Tier {tier} · {TIER_NAMES[tier]}').classes('font-medium')
                for index, entry in enumerate(self.tiers[tier]):
                    self.model_row(tier, index, entry, env)
                with ui.row().classes('items-center gap-2'):
                    new = ui.input(placeholder='a litellm model name, e.g. gpt-4o-mini').classes('w-80') \
                        .mark(f'new-model-{tier}')
                    ui.button('Add', icon='add', on_click=lambda tier=tier, new=new: self.add_model(tier, new.value)) \
                        .props('flat dense').mark(f'add-model-{tier}')

    def model_row(self, tier: int, index: int, entry: ModelEntry, env: Any) -> None:
        # One grid per row, with the same columns in every row and tier, so that names, prices and
        # keys line up down the page whether or not a row has price fields.
        with ui.element('div').classes('w-full grid items-center gap-x-2 swarm-model-row') \
                .style(f'grid-template-columns: {MODEL_COLUMNS}').mark(f'model-{tier}-{index}'):
            ui.label('primary' if index == 0 else f'fallback {index}').classes('text-xs text-grey-7')
            name = ui.input(value=entry.model).props('dense').classes('w-full').mark(f'model-name-{tier}-{index}')
            with ui.column().classes('gap-0 min-w-0'):
                price = ui.label(price_text(entry)).classes('text-xs').mark(f'model-price-{tier}-{index}')
                if not entry.price.known or entry.input_cost_per_token is not None:
                    with ui.row().classes('gap-2 no-wrap'):
                        self.price_inputs(tier, index, entry)
            with ui.column().classes('gap-0 min-w-0'):
                ui.label(key_text(entry, env)).classes('text-xs text-grey-8').mark(f'model-key-{tier}-{index}')
                if entry.api_base:
                    ui.label(entry.api_base).classes('text-xs text-grey-7 truncate').tooltip('api_base')

            def renamed(event: Any, tier: int = tier, index: int = index, price: ui.label = price) -> None:
                model = (event.value or '').strip()
                if model:
                    old = self.tiers[tier][index]
                    # an entry's own price was for the old model: the new name is priced afresh
                    self.tiers[tier][index] = entry = ModelEntry(model, old.api_base, old.api_key_env)
                    price.set_text(price_text(entry))
            name.on_value_change(renamed)
            with ui.row().classes('gap-0 no-wrap'):
                ui.button(icon='arrow_upward', on_click=lambda tier=tier, index=index: self.move_up(tier, index)) \
                    .props('flat dense round size=sm').set_enabled(index > 0)
                ui.button(icon='delete', on_click=lambda tier=tier, index=index: self.remove(tier, index)) \
                    .props('flat dense round size=sm').mark(f'remove-model-{tier}-{index}')

    def price_inputs(self, tier: int, index: int, entry: ModelEntry) -> None:
        """USD per 1M tokens in and out for a model litellm does not price (0 for a free local model)."""
        per_million = [None if value is None else value * 1e6
                       for value in (entry.input_cost_per_token, entry.output_cost_per_token)]
        fields = [ui.number(label, value=value, min=0, format='%.4g').props('dense').classes('w-24')
                  .mark(f'model-{name}-price-{tier}-{index}')
                  for label, value, name in (('in $/1M', per_million[0], 'input'),
                                             ('out $/1M', per_million[1], 'output'))]

        def priced(_: Any) -> None:
            values = [field.value for field in fields]
            old = self.tiers[tier][index]
            prices = (None, None) if None in values else tuple(per_token(value) for value in values)
            self.tiers[tier][index] = ModelEntry(old.model, old.api_base, old.api_key_env, *prices)
        for field in fields:
            field.on_value_change(priced)

    def add_model(self, tier: int, model: str | None) -> None:
        model = (model or '').strip()
        if not model:
            ui.notify('Type a litellm model name first.', type='warning')
            return
        self.tiers[tier].append(ModelEntry(model))
        self.catalog_editor.refresh()

    def move_up(self, tier: int, index: int) -> None:
        models = self.tiers[tier]
        models[index - 1], models[index] = models[index], models[index - 1]
        self.catalog_editor.refresh()

    def remove(self, tier: int, index: int) -> None:
        del self.tiers[tier][index]
        self.catalog_editor.refresh()

    def save_catalog(self) -> None:
        empty = [tier for tier in TIERS if not self.tiers[tier]]
        if empty:
            ui.notify(f'Tier {empty[0]} needs at least one model; add one before saving.', type='warning')
            return
        try:
            save_catalog(self.engine, Catalog({tier: tuple(models) for tier, models in self.tiers.items()}))
        except (CatalogError, StorageError) as error:
            ui.notify(f'The catalog was not saved: {error}', type='negative')
            return
        unknown = [entry.model for models in self.tiers.values() for entry in models if not entry.price.known]
        ui.notify('Catalog saved.' + (f' Unpriced (cost unknown until you price them): {", ".join(unknown)}.'
                                      if unknown else ''), type='positive')
        self.catalog_editor.refresh()
        self.keys_table.refresh()

    def reset_catalog(self) -> None:
        self.tiers = {tier: list(default_catalog().models(tier)) for tier in TIERS}
        self.catalog_editor.refresh()
        ui.notify('The default catalog is shown; save it to keep it.')

    @ui.refreshable_method
    def keys_table(self) -> None:
        catalog = Catalog({tier: tuple(models) for tier, models in self.tiers.items()})
        ui.table(columns=[{'name': 'provider', 'label': 'Provider', 'field': 'provider', 'align': 'left'},
                          {'name': 'variable', 'label': 'Environment variable', 'field': 'variable', 'align': 'left'},
                          {'name': 'status', 'label': 'Key', 'field': 'status', 'align': 'left'},
                          {'name': 'models', 'label': 'Catalog models', 'field': 'models', 'align': 'left'}],
                 rows=provider_keys(catalog, os.environ), row_key='provider').props('dense flat') \
            .classes('w-full').mark('keys-table')

    def save_learning(self, enabled: bool) -> None:
        try:
            set_learning(self.engine, enabled)
        except StorageError as error:
            ui.notify(f'The switch was not saved: {error}.', type='warning')
            return
        ui.notify('Routing learns from escalations.' if enabled else 'Routing no longer learns from escalations.',
                  type='positive')

    def save_defaults(self) -> None:
        budget, concurrency = self.budget.value, self.concurrency.value
        defaults = RunDefaults(None if budget is None else float(budget),
                               None if concurrency is None else int(concurrency))
        try:
            save_run_defaults(self.engine, defaults)
        except (ValueError, StorageError) as error:
            ui.notify(f'The defaults were not saved: {error}.', type='warning')
            return
        ui.notify('Run defaults saved.', type='positive')


def register(missions: Missions) -> None:
    """Add the `/settings` page."""
    @ui.page('/settings', title='Settings · Swarm Studio')
    def settings_page() -> None:
        SettingsPage(missions)
