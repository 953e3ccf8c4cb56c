"""Engine events as JSON text and back, so a run's events can cross processes (a Redis Stream).

`encode(event)` is `event.to_dict()` as JSON; `decode(text)` makes the same typed event again
(money back to `Decimal`, an attempt back to an `Attempt`), so a page or the CLI can fold a
worker's events with the very subscribers that fold a local run's.
"""
from __future__ import annotations

import json
from dataclasses import fields
from decimal import Decimal
from typing import Any

from nodes.events import EVENT_TYPES, Attempt, Event

_MONEY = frozenset({'cost_usd', 'flagship_cost_usd', 'budget_usd'})
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


class UnknownEvent(ValueError):
    """A stream entry that is not an engine event this release knows."""


def encode(event: Event) -> str:
    return _to_json(event.to_dict())


def _money(value: Any) -> Any:
    # Through str: the float in JSON was the nearest float to the engine's exact Decimal.
    return None if value is None else Decimal(str(value))


def _attempt(data: dict[str, Any]) -> Attempt:
    values = dict(data)
    priced = values.get('cost_usd') is not None
    values['cost_usd'] = _money(values.get('cost_usd')) or Decimal(0)
    values['flagship_cost_usd'] = _money(values.get('flagship_cost_usd')) or Decimal(0)
    values['priced'] = priced and values.get('priced', True)
    return Attempt(**{item.name: values[item.name] for item in fields(Attempt) if item.name in values})


def from_dict(data: dict[str, Any]) -> Event:
    """The typed event an `Event.to_dict()` came from; `UnknownEvent` if its type is not known."""
    cls = EVENT_TYPES.get(data.get('type'))
    if cls is None:
        raise UnknownEvent(f'not an engine event: {data.get("type")!r}')
    values = {}
    for item in fields(cls):
        if item.name not in data:
            continue
        value = data[item.name]
        if item.name in _MONEY:
            value = _money(value)
        elif item.name == 'attempt' and isinstance(value, dict):
            value = _attempt(value)
        values[item.name] = value
    return cls(**values)


def decode(text: str | bytes) -> Event:
    return from_dict(json.loads(text))
