"""The graph commands: validate, import, export, list."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli import CommandError


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
