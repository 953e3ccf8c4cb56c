"""Application settings stored in the database, as JSON by key: the tier catalog, and whether
`tier: auto` learns from escalations.

Provider keys are never stored: a catalog entry names the environment variable holding its key.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, Text, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from nodes.catalog import Catalog, load_catalog

from .db import transaction

CATALOG_KEY = 'catalog'
LEARN_ROUTING_KEY = 'learn_routing'  # `tier: auto` starts where recent runs escalated to (default on)


class SettingRow(SQLModel, table=True):
    __tablename__ = 'settings'
    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


def delete_graph_settings(session: Any, graph_id: str) -> None:
    """Delete, in `session`, the settings that belong to one graph: those keyed `<name>:<graph id>`
    (its pins, its Run form's last values). They go with the graph."""
    session.exec(delete(SettingRow).where(SettingRow.key.endswith(f':{graph_id}', autoescape=True)))


def get_setting(engine: Engine, key: str, default: Any = None) -> Any:
    """The stored value of a setting, or `default`."""
    with transaction(engine) as session:
        row = session.get(SettingRow, key)
        return default if row is None else json.loads(row.value)


def set_setting(engine: Engine, key: str, value: Any) -> None:
    """Store a setting (replacing its value)."""
    with transaction(engine) as session:
        row = session.get(SettingRow, key) or SettingRow(key=key, value='null')
        row.value = json.dumps(value, ensure_ascii=False)
        row.updated_at = datetime.now(timezone.utc)
        session.add(row)


def stored_catalog(engine: Engine) -> Catalog:
    """The catalog in force: defaults, overridden by the stored one, overridden by `$SWARM_STUDIO_CATALOG`."""
    return load_catalog(get_setting(engine, CATALOG_KEY))


def save_catalog(engine: Engine, catalog: Catalog) -> None:
    """Store a catalog edited in the app (validated by building it first)."""
    Catalog.from_dict(catalog.to_dict())
    set_setting(engine, CATALOG_KEY, catalog.to_dict())


def learning_enabled(engine: Engine) -> bool:
    """Whether `tier: auto` nodes learn from their escalations (storage/routing_history.py)."""
    return get_setting(engine, LEARN_ROUTING_KEY, True) is not False


def set_learning(engine: Engine, enabled: bool) -> None:
    set_setting(engine, LEARN_ROUTING_KEY, bool(enabled))
