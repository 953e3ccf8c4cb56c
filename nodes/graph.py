"""The graph model: the pydantic form of the graph file format (docs: graph-format.md).

It knows nothing of validation: `nodes.validation.load_graph` parses and checks a file.

`position` is layout for the canvas; the engine never reads it.
"""
from __future__ import annotations

import json
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

FORMAT = 'swarm-studio.graph'
FORMAT_VERSION = 2
ANNOTATION_TYPES = ('note', 'group')
NODE_ID_PATTERN = r'^[a-z][a-z0-9_]{0,63}$'


def _number(value: Any) -> int | float:
    # Ints stay ints (`0`, not `0.0`) so a file round-trips unchanged; true/false are not numbers.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError('must be a number')
    if isinstance(value, float) and not math.isfinite(value):  # JSON has no infinity: it would be stored as null
        raise ValueError(f'must be a finite number, not {value}')
    return value


Number = Annotated[Any, AfterValidator(_number)]


class Position(BaseModel):
    model_config = ConfigDict(extra='forbid')
    x: Number
    y: Number


class Node(BaseModel):
    # Unknown keys are kept on round trip, never silently dropped; types are as the format says,
    # never coerced (a file is kept exactly, so `"title": 1` is refused, not turned into "1").
    model_config = ConfigDict(extra='allow', strict=True)
    id: str
    kind: str
    title: str = ''
    position: Position = Field(default_factory=lambda: Position(x=0, y=0))
    config: dict[str, Any] = Field(default_factory=dict)
    # Text typed into a JSON config field that is not valid JSON yet, by config key: kept so no
    # typing is lost, and reported as a problem; the config keeps the field's last valid value.
    drafts: dict[str, str] | None = None


class Edge(BaseModel):
    model_config = ConfigDict(extra='allow', strict=True)
    id: str | None = None
    source: str
    target: str


class Size(BaseModel):
    model_config = ConfigDict(extra='forbid')
    width: Number
    height: Number


class Annotation(BaseModel):
    """A sticky note or a group (a frame drawn behind nodes) on the canvas: documentation only,
    never read by the engine (format version 2)."""
    model_config = ConfigDict(extra='allow', strict=True)
    id: str
    type: str
    text: str
    position: Position
    size: Size


class Graph(BaseModel):
    model_config = ConfigDict(extra='allow')
    format: str = FORMAT
    version: int = FORMAT_VERSION
    name: str
    description: str | None = None
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    annotations: list[Annotation] = Field(default_factory=list)

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if there is none)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def to_document(self) -> dict[str, Any]:
        """The file-format dict, keys in the documented order, absent optionals left out.

        Only the optional fields that were never given are left out: an unknown key whose value
        is null, or a null inside a config, is kept exactly.
        """
        document = self.model_dump(mode='json')
        if self.description is None and 'description' not in self.model_fields_set:
            document.pop('description')
        if not self.annotations and 'annotations' not in self.model_fields_set:
            document.pop('annotations')  # a graph without notes or groups is written without the key
        for edge, dumped in zip(self.edges, document['edges']):
            if edge.id is None and 'id' not in edge.model_fields_set:
                dumped.pop('id')
        for node, dumped in zip(self.nodes, document['nodes']):
            if node.drafts is None:  # no draft: the key is left out, whether it was never set or cleared
                dumped.pop('drafts', None)
        return document

    def dumps(self) -> str:
        """The canonical file text: stable key order, two-space indent, trailing newline."""
        return dumps_document(self.to_document())


def dumps_document(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + '\n'
