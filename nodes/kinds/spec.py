"""What a node kind declares: its config model, its ports, its inspector fields, its run step.

The UI renders nodes and the inspector from this spec and never special-cases a kind.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal

from pydantic import BaseModel


class StepFailed(Exception):
    """Raised by a run step when its node cannot produce an output; the message says why, for a person."""


Editor = Literal['text', 'textarea', 'template', 'json', 'select', 'number', 'integer', 'fields']


@dataclass(frozen=True)
class FieldSpec:
    """One editable config key as the inspector shows it.

    :param key: the config key
    :param label: what the inspector calls it
    :param editor: which editor widget edits it
    :param options: the choices of a `select` editor, as (value, label) pairs
    :param help: one line shown under the editor
    """
    key: str
    label: str
    editor: Editor
    options: tuple[tuple[Any, str], ...] = ()
    help: str = ''


@dataclass(frozen=True)
class NodeKind:
    """A registered node kind.

    :param name: the `kind` string in graph files
    :param label: the palette's name for it
    :param icon: a Material icon name
    :param description: one line for the palette
    :param config_model: the pydantic model that validates `config`
    :param fields: the inspector's editors, in order
    :param template_keys: config keys holding Jinja templates over upstream outputs
    :param has_inputs: whether edges may enter it (a target handle)
    :param has_outputs: whether edges may leave it (a source handle)
    :param starter_config: the config a node dropped from the palette starts with
    :param run: the async step that produces the node's output: `await run(step)` with the
        engine's `NodeStep` (its parsed `config`, the outputs it may `read`, the run `inputs`);
        it raises `StepFailed` when the node cannot produce one
    """
    name: str
    label: str
    icon: str
    description: str
    config_model: type[BaseModel]
    fields: tuple[FieldSpec, ...] = ()
    template_keys: tuple[str, ...] = ()
    has_inputs: bool = True
    has_outputs: bool = True
    starter_config: dict[str, Any] = field(default_factory=dict)
    run: Callable[..., Awaitable[Any]] | None = field(default=None, compare=False)

    def parse_config(self, config: dict[str, Any]) -> BaseModel:
        """The validated config (pydantic `ValidationError` if it is not valid)."""
        return self.config_model.model_validate(config)

    def new_config(self) -> dict[str, Any]:
        """A fresh copy of the config a new node of this kind starts with."""
        return copy.deepcopy(self.starter_config)
