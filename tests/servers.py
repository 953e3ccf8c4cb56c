"""Throwaway servers for tests: started from the system's binaries in a temporary folder, on a
free local port, stopped at the end: PostgreSQL and Redis (find the binary, `free_port`,
`as_service_user`, start, wait until it answers, stop).

Servers refuse to run as root (PostgreSQL's initdb does), so as root they run as `nobody`
with `runuser`, in a folder that user owns. Where a server's package is missing, `Unavailable`
says why: tests skip on it only when it cannot be installed here (not root); as root,
scripts/test.sh installs it, so a missing server there is a failure, not a skip.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVICE_USER = 'nobody'


def must_run_here() -> bool:
    """Whether a test whose server, browser or tool is missing must fail rather than skip: in CI,
    and as root, where scripts/test.sh installs what is missing (a skip there would hide a failure)."""
    return bool(os.environ.get('CI')) or os.getuid() == 0


class Unavailable(Exception):
    """This machine cannot run the server; the message says what to install."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def as_service_user(command: list[str]) -> list[str]:
    """`command` as a user a server accepts to run as (itself, unless this is root)."""
    if os.getuid() != 0:
        return command
    return ['runuser', '-u', SERVICE_USER, '--', *command]


def service_folder(prefix: str) -> Path:
    """A new temporary folder the server's user owns."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.getuid() == 0:
        shutil.chown(folder, SERVICE_USER)
    return folder


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(as_service_user(command), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f'{what} failed ({result.returncode}): {(result.stderr or result.stdout).strip()}')


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (Debian's package puts them in /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'), key=lambda path: int(path.split('/')[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which('initdb')
    if on_path:
        return Path(on_path).parent
    raise Unavailable("PostgreSQL's server is not installed (Debian: apt-get install postgresql; "
                      'scripts/test.sh does it when run as root)')


class PostgresServer:
    """A PostgreSQL cluster of its own: `url(database)` for SQLAlchemy, `create_database(name)`."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.folder = service_folder('swarm-pg-')
        self.data = self.folder / 'data'
        self.port = free_port()
        self.user = 'studio'

    def start(self) -> PostgresServer:
        _run([str(self.bin / 'initdb'), '-D', str(self.data), '-U', self.user, '-A', 'trust', '-E', 'UTF8',
              '--no-sync'], 'initdb')
        # Sockets in our folder, TCP on localhost only; fsync off: a test cluster need not survive a crash.
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.folder} -c fsync=off " \
                  f"-c max_connections=50"
        _run([str(self.bin / 'pg_ctl'), '-D', str(self.data), '-l', str(self.folder / 'log'), '-o', options,
              '-w', '-t', '60', 'start'], 'pg_ctl start')
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f'PostgreSQL did not answer on port {self.port}') from None
                time.sleep(0.1)

    def stop(self) -> None:
        try:
            _run([str(self.bin / 'pg_ctl'), '-D', str(self.data), '-m', 'immediate', '-w', 'stop'], 'pg_ctl stop')
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = 'postgres') -> str:
        return f'postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}'

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        import psycopg
        with psycopg.connect(f'host=127.0.0.1 port={self.port} user={self.user} dbname=postgres',
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def redis_bin() -> Path:
    """Redis's server program (Debian's redis-server package)."""
    found = shutil.which('redis-server') or '/usr/bin/redis-server'
    if os.path.exists(found):
        return Path(found)
    raise Unavailable('Redis\'s server is not installed (Debian: apt-get install redis-server; '
                      'scripts/test.sh does it when run as root)')


class RedisServer:
    """A redis-server of its own, on a free port, its files in a temporary folder: `url(db)`.

    `restart()` stops it and starts it again on the same port (what a Redis restart mid-run
    does to the processes using it); nothing is saved to disk, so it comes back empty.
    """

    def __init__(self) -> None:
        self.bin = redis_bin()
        self.folder = service_folder('swarm-redis-')
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        # No persistence: a test server starts empty and a restart loses everything, the worst case.
        self.process = subprocess.Popen(as_service_user([
            str(self.bin), '--port', str(self.port), '--bind', '127.0.0.1', '--dir', str(self.folder),
            '--save', '', '--appendonly', 'no', '--protected-mode', 'no']),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1) as connection:
                    connection.sendall(b'PING\r\n')
                    if connection.recv(16).startswith(b'+PONG'):
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'redis-server did not answer on port {self.port}')
            time.sleep(0.05)

    def stop(self, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        self.stop(remove=False)
        self.start()

    def url(self, database: int = 0) -> str:
        return f'redis://127.0.0.1:{self.port}/{database}'


class StudioWorker:
    """A `swarm-studio worker` process on `redis_url` and `database` (its log in `log_path`), until `stop()`."""

    def __init__(self, redis_url: str, database: str, log_path: Path, concurrency: int = 2,
                 lease_s: float = 3.0) -> None:
        import sys
        self.log_path = log_path
        env = {**os.environ, 'SWARM_STUDIO_REDIS_URL': redis_url, 'SWARM_STUDIO_DB': database}
        self._log = open(log_path, 'wb')
        self.process = subprocess.Popen([sys.executable, '-m', 'studio', 'worker', '--concurrency', str(concurrency),
                                         '--lease-s', str(lease_s)], env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    @property
    def name(self) -> str:
        return f'{socket.gethostname()}:{self.process.pid}'

    def wait_ready(self, timeout: float = 60) -> StudioWorker:
        deadline = time.monotonic() + timeout
        while b' ready.' not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'the worker did not start: {self.log_path.read_text(errors="replace")[-2000:]}')
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
