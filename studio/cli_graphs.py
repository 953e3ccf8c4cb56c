"""The graph commands: validate, import, export, list."""
from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path

from .errors import CommandError


MAX_FILE_BYTES = 5 * 1024 * 1024  # a 2,400-node graph is about 1 MB


def read_source(path: str) -> bytes:
    """The bytes of a regular file, or of standard input for `-`, at most `MAX_FILE_BYTES`;
    anything else (a missing file, a FIFO, a device, too big a file) is a `CommandError`."""
    if path == '-':
        return _bounded(sys.stdin.buffer, 'standard input')
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever before the check.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
    except FileNotFoundError:
        raise CommandError(f'no such file: {path}') from None
    except IsADirectoryError:
        raise CommandError(f'{path} is a directory, not a graph file') from None
    except OSError as error:
        raise CommandError(f'cannot read {path}: {error.strerror}') from None
    with os.fdopen(descriptor, 'rb') as source:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise CommandError(f'{path} is a directory, not a graph file')
        if not stat.S_ISREG(mode):
            raise CommandError(f'{path} is not a regular file (a pipe or a device?); give the path of a graph file')
        os.set_blocking(descriptor, True)
        try:
            return _bounded(source, path)
        except OSError as error:
            raise CommandError(f'cannot read {path}: {error.strerror}') from None


def _bounded(source, label: str) -> bytes:
    data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise CommandError(f'{label} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; '
                           'a graph file is far smaller, so this is not one')
    return data


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
