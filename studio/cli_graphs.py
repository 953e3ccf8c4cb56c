"""The graph commands: validate, import, export, list."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import CommandError


def read_source(path: str) -> bytes:
    """The bytes of a file, or of standard input for `-`; a missing file is a `CommandError`."""
    if path == '-':
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CommandError(f'no such file: {path}') from None
    except IsADirectoryError:
        raise CommandError(f'{path} is a directory, not a graph file') from None
    except OSError as error:
        raise CommandError(f'cannot read {path}: {error.strerror}') from None


def validate_command(args: argparse.Namespace) -> int:
    from nodes.validation import check_text
    problems = check_text(read_source(args.file))
    for problem in problems:
        print(f'{args.file}: {problem.message}', file=sys.stderr)
    return 1 if problems else 0


def open_graphs(args: argparse.Namespace):
    """The graph repository of the database that `--db` / `$SWARM_STUDIO_DB` names."""
    from storage.db import StorageError, connect
    from storage.graphs import GraphRepository
    try:
        return GraphRepository(connect(args.db))
    except StorageError as error:
        raise CommandError(str(error)) from None


def import_command(args: argparse.Namespace) -> int:
    from nodes.validation import GraphFileError
    from storage.db import StorageError
    text = read_source(args.file)
    graphs = open_graphs(args)
    try:
        graph_id = graphs.import_text(text)
    except GraphFileError as error:
        for problem in error.problems:
            print(f'{args.file}: {problem.message}', file=sys.stderr)
        print(f'swarm-studio import: refused {args.file}; nothing was stored', file=sys.stderr)
        return 1
    except StorageError as error:
        raise CommandError(f'{error}; nothing was stored') from None
    print(graph_id)
    return 0


def export_command(args: argparse.Namespace) -> int:
    from storage.graphs import GraphNotFound
    graphs = open_graphs(args)
    try:
        text = graphs.get(graphs.find(args.graph)).dumps()
    except GraphNotFound as error:
        raise CommandError(str(error)) from None
    if not args.output or args.output == '-':
        sys.stdout.write(text)
        return 0
    write_atomically(Path(args.output), text)
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, so a full disk never leaves half a file."""
    temporary = path.with_name(f'.{path.name}.tmp')
    try:
        temporary.write_text(text, encoding='utf-8')
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CommandError(f'cannot write {path}: {error.strerror}') from None


def list_command(args: argparse.Namespace) -> int:
    summaries = open_graphs(args).list()
    if args.json:
        print(json.dumps([{'id': s.id, 'name': s.name, 'nodes': s.node_count, 'edges': s.edge_count,
                           'version': s.version, 'updated_at': s.updated_at.isoformat()} for s in summaries],
                         ensure_ascii=False))
        return 0
    if not summaries:
        print('no stored graphs (import one: swarm-studio import FILE)', file=sys.stderr)
        return 0
    width = max(len(s.name) for s in summaries)
    for s in summaries:
        print(f'{s.id}  {s.name:<{width}}  {s.node_count:>5} nodes  v{s.version:<4} {s.updated_at:%Y-%m-%d %H:%M}')
    return 0
