"""The desktop lock: one window per database, and a lock left by a killed window does not block the next."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from studio.desktop.instance_lock import AlreadyOpen, InstanceLock, Owner, lock_path, read_owner


def test_a_sqlite_file_is_locked_beside_itself(tmp_path: Path) -> None:
    assert lock_path(f'sqlite:///{tmp_path}/graphs.sqlite', tmp_path / 'data') == tmp_path / 'graphs.sqlite.lock'


def test_an_in_memory_database_needs_no_lock(tmp_path: Path) -> None:
    assert lock_path('sqlite://', tmp_path) is None


def test_a_server_database_is_locked_in_the_data_dir_without_its_password_in_the_name(tmp_path: Path) -> None:
    path = lock_path('postgresql://studio:s3cret@db.example/studio', tmp_path)
    assert path is not None and path.parent == tmp_path
    assert 's3cret' not in path.name and 'studio' not in path.name.removeprefix('desktop-')
    assert path != lock_path('postgresql://studio:s3cret@db.example/other', tmp_path)


def test_the_lock_names_its_owner_and_refuses_a_second_holder(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / 'db.sqlite.lock')
    first.acquire(port=8123)
    try:
        assert read_owner(first.path) == Owner(os.getpid(), 8123)
        with pytest.raises(AlreadyOpen) as refused:
            InstanceLock(first.path).acquire(port=9000)
        assert refused.value.owner == Owner(os.getpid(), 8123)
        assert f'pid {os.getpid()}, http://127.0.0.1:8123' in str(refused.value)
        assert read_owner(first.path) == Owner(os.getpid(), 8123)  # the refused start wrote nothing
    finally:
        first.release()
    assert not first.path.exists()
    second = InstanceLock(first.path)
    second.acquire(port=9000)
    second.release()


def test_a_lock_left_by_a_killed_process_is_stale(tmp_path: Path) -> None:
    path = tmp_path / 'db.sqlite.lock'
    holder = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f'''
        import sys, time
        from pathlib import Path
        from studio.desktop.instance_lock import InstanceLock
        InstanceLock(Path({str(path)!r})).acquire(port=8555)
        print('locked', flush=True)
        time.sleep(60)
    ''')], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        with pytest.raises(AlreadyOpen):
            InstanceLock(path).acquire(port=9000)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert read_owner(path) == Owner(holder.pid, 8555)  # the killed process could not clean up
    lock = InstanceLock(path)
    lock.acquire(port=9000)
    try:
        assert read_owner(path) == Owner(os.getpid(), 9000)
    finally:
        lock.release()


def test_an_unreadable_lock_file_names_no_owner(tmp_path: Path) -> None:
    (tmp_path / 'x.lock').write_text('not json')
    assert read_owner(tmp_path / 'x.lock') is None
    assert read_owner(tmp_path / 'missing.lock') is None
