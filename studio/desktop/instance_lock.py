"""One desktop window per database: a lock file beside it that names the owner's pid and port.

The lock is an OS file lock, not the file's existence, so a lock file left by a crashed window is stale
by construction: the kernel released its lock when the process died, and the next start takes it over.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

if os.name == 'nt':  # pragma: no cover - exercised only on Windows
    import msvcrt
else:
    import fcntl

# Windows locks byte ranges that others then cannot read; lock one byte past the pid/port text.
_WINDOWS_LOCK_OFFSET = 4096


@dataclass(frozen=True)
class Owner:
    """The process that holds a database's desktop lock."""
    pid: int
    port: int

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'


class AlreadyOpen(Exception):
    """Another desktop window has this database open."""

    def __init__(self, owner: Owner | None) -> None:
        self.owner = owner
        where = f' (pid {owner.pid}, {owner.url})' if owner else ''
        super().__init__(f'Swarm Studio is already open on this database{where}; switch to its window, '
                         'or start with another --db')


def lock_path(database_url: str, data_dir: Path) -> Path | None:
    """Where the lock of the database at `database_url` lives; None for an in-memory database.

    A SQLite file's lock sits beside it; any other database's lock goes in `data_dir`, named by a hash of
    its URL so that no password in the URL ends up in a file name.
    """
    if database_url in ('sqlite://', 'sqlite:///:memory:'):
        return None
    if database_url.startswith('sqlite:///'):
        return Path(database_url.removeprefix('sqlite:///') + '.lock')
    return data_dir / f'desktop-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}.lock'


def read_owner(path: Path) -> Owner | None:
    """The owner a lock file names, or None when it names none readable."""
    try:
        found = json.loads(path.read_text(encoding='utf-8'))
        return Owner(int(found['pid']), int(found['port']))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class InstanceLock:
    """The desktop lock of one database, held from `acquire` until `release` or the process's end.

    :param path: the lock file (see `lock_path`)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, port: int) -> None:
        """Take the lock and record this process's pid and `port`; raise `AlreadyOpen` when another holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                raise AlreadyOpen(read_owner(self.path))
            # The holder before us may have removed the file between our open and our lock; a lock on a removed
            # file guards nothing, so take the one now at the path instead.
            try:
                same_file = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same_file = False
            if same_file:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({'pid': os.getpid(), 'port': port}).encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up and remove the file (idempotent)."""
        if self._fd is None:
            return
        if os.name == 'nt':  # pragma: no cover - Windows cannot remove an open file
            os.close(self._fd)
            self._fd = None
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
            return
        try:
            self.path.unlink(missing_ok=True)  # before unlocking, so nobody locks a file about to vanish
        finally:
            os.close(self._fd)
            self._fd = None


def _try_lock(fd: int) -> bool:
    if os.name == 'nt':  # pragma: no cover
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
