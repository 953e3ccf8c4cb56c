"""The app as a subprocess and a headless system Chromium, for the browser tests, the
benchmarks and the screenshot scripts (never for the app itself).

Chromium is Debian's (`/usr/bin/chromium`); nothing here downloads a browser.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# This machine has no internet: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = ('--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--disable-quic')


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    return shutil.which('chromium') or ('/usr/bin/chromium' if os.path.exists('/usr/bin/chromium') else None)


def chromium_args() -> list[str]:
    """Launch flags: the offline ones, plus `--no-sandbox` when running as root (Chromium refuses otherwise)."""
    return [*CHROMIUM_ARGS, *(['--no-sandbox'] if hasattr(os, 'geteuid') and os.geteuid() == 0 else [])]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def serve_command(port: int, database: Path, *options: str) -> list[str]:
    """`swarm-studio serve` of this environment on `port` and `database`, with further `options`."""
    return [str(Path(sys.executable).parent / 'swarm-studio'), 'serve', '--port', str(port), '--db', str(database),
            '--no-browser', *options]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code == 401:  # an app that asks for its token is up
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f'{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}')


@contextlib.contextmanager
def running_app(command: list[str], port: int, workdir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a web app as a subprocess until the block ends; yield its base URL once it answers.

    :param command: the command line; it must listen on 127.0.0.1:`port`
    :param port: the port it listens on
    :param workdir: its working directory (NiceGUI keeps `.nicegui/` there); its output goes to app.log
    :param env: variables to set for it, on top of this process's environment
    """
    with running_app_process(command, port, workdir, env) as (url, _):
        yield url


@contextlib.contextmanager
def running_app_process(command: list[str], port: int, workdir: Path,
                        env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`running_app`, yielding (base URL, the process) for callers that watch the process itself."""
    log = workdir / 'app.log'
    url = f'http://127.0.0.1:{port}'
    with log.open('w') as output:
        # NiceGUI takes PYTEST_CURRENT_TEST to mean "simulated by a test" and would not listen.
        inherited = {key: value for key, value in os.environ.items() if not key.startswith('PYTEST_')}
        process = subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                                   env={**inherited, **(env or {}), 'PYTHONUNBUFFERED': '1'})
        try:
            wait_until_answering(url + '/', process, log)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
