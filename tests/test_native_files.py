"""Files in the desktop window: a save writes the whole file or nothing; in a browser tab nothing changes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from nicegui.testing import User

from studio.desktop import native_files


async def test_a_browser_tab_is_not_the_desktop_window(user: User) -> None:
    await user.open('/')
    assert not native_files.in_window()  # so Import keeps the upload picker and Export downloads (test_editor_page)


def test_a_save_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / 'brief.json'
    native_files.write_whole(target, b'{"name": "brief"}')
    assert target.read_bytes() == b'{"name": "brief"}'
    assert target.stat().st_mode & 0o777 == 0o644
    assert list(tmp_path.iterdir()) == [target]


def test_a_save_over_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / 'brief.json'
    target.write_bytes(b'old')
    os.chmod(target, 0o600)
    native_files.write_whole(target, b'new')
    assert target.read_bytes() == b'new' and target.stat().st_mode & 0o777 == 0o600


def test_a_save_that_fails_midway_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / 'brief.json'
    target.write_bytes(b'old')
    with pytest.raises(TypeError):
        native_files.write_whole(target, 'not bytes')  # the write itself fails, after the temporary file exists
    assert target.read_bytes() == b'old'
    assert list(tmp_path.iterdir()) == [target]


def test_a_save_into_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        native_files.write_whole(tmp_path / 'missing' / 'brief.json', b'{}')
