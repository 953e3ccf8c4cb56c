"""The registry of node kinds. A kind is registered once, here, and everything else looks it up."""
from __future__ import annotations

from .agent import AGENT
from .input import INPUT
from .output import OUTPUT
from .spec import FieldSpec, NodeKind
from .transform import TRANSFORM

KINDS: dict[str, NodeKind] = {}


def register(kind: NodeKind) -> NodeKind:
    """Add (or replace) a kind in the registry."""
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> NodeKind:
    """The registered kind called `name` (KeyError if unknown)."""
    return KINDS[name]


for _kind in (INPUT, AGENT, TRANSFORM, OUTPUT):
    register(_kind)

__all__ = ['KINDS', 'FieldSpec', 'NodeKind', 'get_kind', 'register']
