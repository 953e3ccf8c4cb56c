"""Validation of graph files and graphs: one pure function that reports every problem.

Each `Problem` has a machine-readable `code`, a sentence a person can act on, and where it
applies the node or edge it is about, so the editor can mark it on the canvas.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .dag import LiveDag
from .graph import ANNOTATION_TYPES, FORMAT, FORMAT_VERSION, NODE_ID_PATTERN, Annotation, Edge, Graph, Node
from .graph_versions import MigrationRefused, migrate
from .kinds import KINDS
from .json_schema import schema_problem
from .templates import BUILTIN_NAMES, REFUSED_NAMES, TemplateError, referenced_names

_NODE_ID = re.compile(NODE_ID_PATTERN)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a graph.

    :param code: machine-readable kind of problem (`cycle`, `dangling_edge`, …)
    :param message: one sentence a person can act on
    :param node_id: the node it is about, if any
    :param edge: the edge it is about as (source, target), if any
    :param field: the config key it is about, if any
    :param path: the nodes of a cycle, if it is one
    """
    code: str
    message: str
    node_id: str | None = None
    edge: tuple[str, str] | None = None
    field: str | None = None
    path: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        # A message quotes what the file holds; a newline or other control character in a key or an
        # id would break "one line per problem", so they are shown escaped.
        if not self.message.isprintable():
            object.__setattr__(self, 'message', ''.join(char if char.isprintable() else repr(char)[1:-1]
                                                        for char in self.message))

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


class GraphFileError(ValueError):
    """A graph file that was refused; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__('\n'.join(problem.message for problem in problems))
        self.problems = problems


def load_graph(text: str | bytes) -> Graph:
    """Parse and validate a graph file; return the `Graph` or raise `GraphFileError`."""
    document, problems = parse_document(text)
    graph = None
    if not problems:
        problems, graph = _check_document(document)
    if problems:
        raise GraphFileError(problems)
    return graph


def parse_graph(text: str | bytes) -> Graph:
    """Parse a graph file and check its structure (JSON, header, node and edge shapes), leaving the
    semantic checks to `nodes.plan.compile_graph`, which makes them once; a malformed file raises
    `GraphFileError` with every problem, semantic ones included."""
    document, problems = parse_document(text)
    if not problems:
        problems, graph, _ = _check_structure(document)
    if problems:
        return load_graph(text)  # raises, listing every problem of the file
    return graph


def check_text(text: str | bytes) -> list[Problem]:
    """Every problem of a graph file's text (an empty list when it is valid)."""
    document, problems = parse_document(text)
    return problems or validate_document(document)


MAX_DEPTH = 64  # objects and arrays inside each other; a graph file needs about 10 (a deep schema more)
MAX_INTEGER_DIGITS = 100


def parse_document(text: str | bytes) -> tuple[Any, list[Problem]]:
    """JSON-decode a file; a syntax error becomes one problem naming its line and column, and so
    does anything JSON allows that could not be stored and read back exactly: duplicate keys,
    nesting deeper than `MAX_DEPTH`, numbers a float cannot hold, integers of more than
    `MAX_INTEGER_DIGITS` digits, and strings holding a lone surrogate (which is not Unicode text)."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8-sig')
        except UnicodeDecodeError as error:
            return None, [Problem('not_utf8', f'the file is not UTF-8 text (byte {error.start} is invalid)')]
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_integer, parse_float=_float,
                              object_pairs_hook=_object_without_duplicates)
    except _Refused as error:
        return None, [Problem(error.code, error.message)]
    except RecursionError:
        return None, [_too_deep()]
    except json.JSONDecodeError as error:
        return None, [Problem('malformed_json',
                              f'the file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}')]
    problem = _shape_problem(document, text)
    return (None, [problem]) if problem else (document, [])


class _Refused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _refuse_constant(name: str) -> None:
    # Python's json accepts NaN and Infinity; JSON does not, and a file holding them would not reload.
    raise _Refused('malformed_json', f'the file is not valid JSON: {name} is not a JSON number')


def _integer(digits: str) -> int:
    if len(digits.lstrip('-')) > MAX_INTEGER_DIGITS:
        raise _Refused('number_out_of_range', f'the file holds an integer of {len(digits.lstrip("-"))} digits '
                                              f'({digits[:12]}…); at most {MAX_INTEGER_DIGITS} digits are allowed')
    return int(digits)


def _float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 would be read back as infinity, and stored as null
        raise _Refused('number_out_of_range', f'the number {text[:40]} is too large to be stored '
                                              '(numbers must fit a 64-bit float, about ±1.8e308)')
    return number


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused('duplicate_key', f'the key {_quoted(duplicate)} appears twice in one object; '
                                        'keep one of them')
    return document


def _too_deep() -> Problem:
    return Problem('too_deep', f'the file nests objects and arrays more than {MAX_DEPTH} levels deep; '
                               'a graph file needs far fewer')


def _shape_problem(document: Any, text: str) -> Problem | None:
    """Too deep a nesting, or a lone surrogate, anywhere in a decoded document (walked level by
    level, without recursion, so any depth is answered)."""
    level, depth = [document] if document.__class__ is dict or document.__class__ is list else [], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return _too_deep()
        below: list = []
        extend = below.extend
        for value in level:  # only dicts and lists are ever in a level
            extend(value.values() if value.__class__ is dict else value)
        level = [child for child in below if child.__class__ is dict or child.__class__ is list]
    if _may_hold_surrogates(text):
        return _surrogate_problem(document)
    return None


def _may_hold_surrogates(text: str) -> bool:
    # A lone surrogate comes from a `\udXXX` escape (a pair is joined into one character) or from a
    # str that was never UTF-8; plain substring tests answer for most files without a regex pass.
    if '\\ud' not in text and '\\uD' not in text:
        try:
            text.encode('utf-8')
            return False
        except UnicodeEncodeError:
            return True
    return _SURROGATE_IN_TEXT.search(text) is not None


def _surrogate_problem(document: Any) -> Problem | None:
    stack = [document]
    while stack:
        value = stack.pop()
        if value.__class__ is dict:
            stack += value
            stack += value.values()
        elif value.__class__ is list:
            stack += value
        elif value.__class__ is str and _SURROGATE.search(value):
            return Problem('bad_string', f'the text {_quoted(value)} holds a lone surrogate '
                                         f'(\\u{ord(_SURROGATE.search(value)[0]):04x}), which is not Unicode text')
    return None


_SURROGATE = re.compile('[\\ud800-\\udfff]')
_SURROGATE_IN_TEXT = re.compile('\\\\u[dD][89a-fA-F]|[\\ud800-\\udfff]')


def _quoted(text: str) -> str:
    shown = json.dumps(text[:40])
    return shown[:-1] + '…"' if len(text) > 40 else shown


def validate_document(document: Any) -> list[Problem]:
    """Every problem of a decoded graph file, structural and semantic."""
    return _check_document(document)[0]


def _check_document(document: Any) -> tuple[list[Problem], Graph | None]:
    """(every problem, the graph built from the items already validated, or None when it could not be)."""
    problems, graph, broken = _check_structure(document)
    if graph is not None:
        problems.extend(_semantic_problems(graph, broken))
    return problems, graph


def _check_structure(document: Any) -> tuple[list[Problem], Graph | None, frozenset[str]]:
    """(the structural problems, the graph built from the items that are well formed or None when it
    could not be, the ids of nodes reported as malformed)."""
    problems = _header_problems(document)
    if problems:
        return problems, None, frozenset()
    try:
        document = migrate(document, FORMAT_VERSION)
    except MigrationRefused as refusal:
        return [Problem('bad_version', str(refusal))], None, frozenset()
    name = document.get('name')
    if not isinstance(name, str):
        problems.append(Problem('wrong_type', '"name" is required and must be a string'
                                if name is None else f'"name" must be a string, not {_json_type(name)}'))
    if 'description' in document and not isinstance(document['description'], str):
        problems.append(Problem('wrong_type', f'"description" must be a string, not {_json_type(document["description"])}'))
    nodes = _parse_items(document, 'nodes', Node, problems)
    edges = _parse_items(document, 'edges', Edge, problems)
    annotations = _parse_items(document, 'annotations', Annotation, problems) if 'annotations' in document else []
    if not isinstance(name, str) or not isinstance(document.get('nodes'), list):
        return problems, None, frozenset()
    # Nodes already reported as malformed still exist: edges and templates naming them are not
    # reported again as naming nothing.
    broken = {item['id'] for item in document['nodes'] if isinstance(item, dict) and isinstance(item.get('id'), str)}
    broken -= {node.id for node in nodes}
    # Every part is validated by now, so the graph is assembled, not validated a second time;
    # unknown top-level keys go along as the model's extra fields.
    graph = Graph.model_construct(**{**document, 'nodes': nodes, 'edges': edges,
                                     **({'annotations': annotations} if 'annotations' in document else {})})
    return problems, graph, frozenset(broken)


def _header_problems(document: Any) -> list[Problem]:
    if not isinstance(document, dict):
        return [Problem('not_an_object', f'a graph file holds one JSON object, not {_json_type(document)}')]
    if document.get('format') != FORMAT:
        found = 'no "format" key' if 'format' not in document else f'"format": {json.dumps(document["format"])}'
        return [Problem('wrong_format', f'not a Swarm Studio graph file: expected "format": "{FORMAT}", found {found}')]
    version = document.get('version')
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return [Problem('bad_version', f'"version" must be a positive integer (this build reads version '
                                       f'{FORMAT_VERSION}), found {json.dumps(version)}')]
    if version > FORMAT_VERSION:
        return [Problem('newer_version', f'graph format version {version} is newer than this Swarm Studio '
                                         f'supports ({FORMAT_VERSION}); update Swarm Studio to open it')]
    return []


def validate_graph(graph: Graph) -> list[Problem]:
    """Every semantic problem of a graph: ids, kinds, configs, edges, cycles, templates."""
    return _semantic_problems(graph, frozenset())


def _semantic_problems(graph: Graph, broken: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    if not graph.name.strip():
        problems.append(Problem('empty_name', 'the graph needs a name: "name" is empty'))

    nodes: dict[str, Node] = {}
    for node in graph.nodes:
        if not _NODE_ID.match(node.id):
            problems.append(Problem('bad_node_id', f'node id {json.dumps(node.id)} is not allowed: use a lowercase '
                                    'letter, then up to 63 lowercase letters, digits or underscores', node_id=node.id))
        if node.id in nodes:
            problems.append(Problem('duplicate_node_id', f'node "{node.id}" appears twice; node ids must be unique',
                                    node_id=node.id))
            continue
        nodes[node.id] = node
        problems.extend(_config_problems(node))

    dag = LiveDag(nodes)
    for edge in graph.edges:
        if edge.source not in broken and edge.target not in broken:
            problems.extend(_edge_problems(edge, nodes, dag))
    problems.extend(_template_problems(nodes, dag, broken))
    problems.extend(_annotation_problems(graph.annotations))
    return problems


def _annotation_problems(annotations: list[Annotation]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for annotation in annotations:
        label = f'annotation {json.dumps(annotation.id)}'
        if not _NODE_ID.match(annotation.id):
            problems.append(Problem('bad_annotation', f'{label}: its id must be a lowercase letter, then up to 63 '
                                                      'lowercase letters, digits or underscores'))
        elif annotation.id in seen:
            problems.append(Problem('bad_annotation', f'{label} appears twice; annotation ids must be unique'))
        seen.add(annotation.id)
        if annotation.type not in ANNOTATION_TYPES:
            problems.append(Problem('bad_annotation', f'{label}: "type" must be "note" or "group", '
                                                      f'not {json.dumps(annotation.type)}'))
        if not (annotation.size.width > 0 and annotation.size.height > 0):
            problems.append(Problem('bad_annotation', f'{label}: "size" needs a width and a height above 0'))
    return problems


def template_references(node: Node) -> frozenset[str]:
    """The names the node's templates read (templates with a syntax error read nothing)."""
    kind = KINDS.get(node.kind)
    names: set[str] = set()
    for key in kind.template_keys if kind else ():
        source = node.config.get(key)
        if isinstance(source, str) and source:
            try:
                names |= referenced_names(source)
            except TemplateError:
                pass
    return frozenset(names)


def _parse_items(document: dict, key: str, model: type[Node] | type[Edge] | type[Annotation],
                 problems: list[Problem]) -> list:
    items = document.get(key)
    if not isinstance(items, list):
        problems.append(Problem('wrong_type', f'"{key}" is required and must be an array'
                                if items is None else f'"{key}" must be an array, not {_json_type(items)}'))
        return []
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as error:
            label = _item_label(key, index, item)
            for detail in error.errors():
                code = 'missing_key' if detail['type'] == 'missing' else 'wrong_type'
                where = '.'.join(str(part) for part in detail['loc'])
                problems.append(Problem(code, f'{label}: "{where}" {_pydantic_message(detail)}',
                                        node_id=item.get('id') if key == 'nodes' and isinstance(item, dict) else None))
    return parsed


def _config_problems(node: Node) -> list[Problem]:
    kind = KINDS.get(node.kind)
    if kind is None:
        known = ', '.join(sorted(KINDS))
        return [Problem('unknown_kind', f'node "{node.id}" has unknown kind "{node.kind}" (known kinds: {known})',
                        node_id=node.id)]
    problems = []
    try:
        kind.parse_config(node.config)
    except ValidationError as error:
        for detail in error.errors():
            key = str(detail['loc'][0]) if detail['loc'] else None
            where = '.'.join(str(part) for part in detail['loc']) or 'config'
            code = 'bad_tier' if key == 'tier' else 'bad_config'
            if detail['type'] == 'extra_forbidden':
                message = f'node "{node.id}": unknown config key "{where}" for kind "{node.kind}"'
            else:
                message = f'node "{node.id}": config "{where}" {_pydantic_message(detail)}'
            problems.append(Problem(code, message, node_id=node.id, field=key))
    for key, text in (node.drafts or {}).items():
        problems.append(Problem('json_draft', f'node "{node.id}": {key} {draft_problem(text)}; the typed text is '
                                f'kept as a draft, and the node keeps its last valid {key} until it is fixed',
                                node_id=node.id, field=key))
    schema = node.config.get('output_schema')
    if isinstance(schema, dict):
        schema_error = schema_problem(schema)
        if schema_error:
            problems.append(Problem('bad_output_schema', f'node "{node.id}": output_schema is not a valid JSON '
                                    f'Schema: {schema_error}', node_id=node.id, field='output_schema'))
    return problems


def draft_problem(text: str) -> str:
    """Why a draft is not a value: `is not valid JSON: <reason> at line L, column C`."""
    def refuse(name: str) -> None:
        raise ValueError(f'{name} is not a JSON number')
    try:
        json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        return f'is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}'
    except ValueError as error:
        return f'is not valid JSON: {error}'
    return 'holds a draft not applied yet'


def _edge_problems(edge: Edge, nodes: dict[str, Node], dag: LiveDag) -> list[Problem]:
    label, pair = f'edge {edge.source} -> {edge.target}', (edge.source, edge.target)
    missing = [end for end in (edge.source, edge.target) if end not in nodes]
    if missing:
        return [Problem('dangling_edge', f'{label}: no node "{end}"', edge=pair) for end in dict.fromkeys(missing)]
    problems = []
    if not _kind_allows(nodes[edge.source], 'has_outputs'):
        problems.append(Problem('bad_edge', f'{label}: "{edge.source}" is an {nodes[edge.source].kind} node, '
                                'which has no outputs', edge=pair))
    if not _kind_allows(nodes[edge.target], 'has_inputs'):
        problems.append(Problem('bad_edge', f'{label}: "{edge.target}" is an {nodes[edge.target].kind} node, '
                                'which takes no inputs', edge=pair))
    if edge.source == edge.target:
        problems.append(Problem('self_loop', f'{label} closes a cycle: {edge.source} -> {edge.source}',
                                edge=pair, path=(edge.source, edge.source)))
    elif dag.has_edge(*pair):
        problems.append(Problem('duplicate_edge', f'{label} appears twice', edge=pair))
    else:
        cycle = dag.add_edge(*pair)
        if cycle:
            problems.append(Problem('cycle', f'{label} closes a cycle: {" -> ".join(cycle)}',
                                    edge=pair, path=tuple(cycle)))
    return problems


def _kind_allows(node: Node, port: str) -> bool:
    kind = KINDS.get(node.kind)
    return kind is None or getattr(kind, port)


def _template_problems(nodes: dict[str, Node], dag: LiveDag, broken: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    ancestors: dict[str, int] | None = None
    bits = {node_id: 1 << index for index, node_id in enumerate(nodes)}
    for node in nodes.values():
        kind = KINDS.get(node.kind)
        for key in kind.template_keys if kind else ():
            source = node.config.get(key)
            if not isinstance(source, str) or not source:
                continue
            try:
                names = referenced_names(source)
            except TemplateError as error:
                problems.append(Problem('template_syntax', f'node "{node.id}": {key} template has a syntax error at '
                                        f'{error}', node_id=node.id, field=key))
                continue
            for name in sorted(names - broken):
                if name not in nodes and name in BUILTIN_NAMES:
                    continue
                if name not in nodes and name in REFUSED_NAMES:
                    problems.append(Problem('template_refused_name', f'node "{node.id}": {key} uses Jinja\'s '
                                            f'"{name}", which templates may not use (its output is unbounded and '
                                            'random)', node_id=node.id, field=key))
                    continue
                if name not in nodes:
                    problems.append(Problem('template_unknown_reference', f'node "{node.id}": {key} refers to '
                                            f'"{name}", but there is no node "{name}"', node_id=node.id, field=key))
                    continue
                if ancestors is None:
                    ancestors = _ancestor_bits(nodes, dag, bits)
                if not ancestors[node.id] & bits[name]:
                    problems.append(Problem('template_not_upstream', f'node "{node.id}": {key} refers to "{name}", '
                                            f'which is not upstream of "{node.id}"; draw a path {name} -> … -> '
                                            f'{node.id} or remove the reference', node_id=node.id, field=key))
    return problems


def _ancestor_bits(nodes: dict[str, Node], dag: LiveDag, bits: dict[str, int]) -> dict[str, int]:
    """Each node's ancestors as a bit set, computed once in topological order."""
    ancestors: dict[str, int] = {}
    pending = {node_id: len(dag.predecessors(node_id)) for node_id in nodes}
    ready = [node_id for node_id, count in pending.items() if count == 0]
    while ready:
        node_id = ready.pop()
        mask = 0
        for predecessor in dag.predecessors(node_id):
            mask |= ancestors[predecessor] | bits[predecessor]
        ancestors[node_id] = mask
        for successor in dag.successors(node_id):
            pending[successor] -= 1
            if pending[successor] == 0:
                ready.append(successor)
    return ancestors


def _pydantic_message(detail: dict) -> str:
    if detail['type'] == 'missing':
        return 'is required'
    message = f'is invalid: {detail["msg"].removeprefix("Value error, ")}'
    if detail['type'].endswith('_type') and 'input' in detail:  # strict types: say what was found
        try:
            found = json.dumps(detail['input'], ensure_ascii=False)
        except (TypeError, ValueError):
            return message
        return f'{message}, not {found if len(found) <= 40 else found[:39] + "…"}'
    return message


def _item_label(key: str, index: int, item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get('id'), str) and key == 'nodes':
        return f'node "{item["id"]}"'
    if isinstance(item, dict) and key == 'edges' and 'source' in item and 'target' in item:
        return f'edge {item.get("source")} -> {item.get("target")}'
    return f'{key}[{index}]'


def _json_type(value: Any) -> str:
    names = {dict: 'an object', list: 'an array', str: 'a string', bool: 'a boolean', type(None): 'null',
             int: 'a number', float: 'a number'}
    return names.get(type(value), type(value).__name__)
