"""Files in the desktop window: the system's open and save dialogs instead of the browser's upload and download.

The pages call these whichever way they are served; in the web app (no native window) `save` downloads as
before and `in_window` tells the library page to keep its upload picker.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nicegui import app, run, ui

JSON_FILES = ('Graph files (*.json)', 'All files (*)')


class FileNotRead(Exception):
    """A chosen file that cannot be used, said in one line."""


def in_window() -> bool:
    """Whether the app is shown in the desktop window (NiceGUI's native mode)."""
    return app.native.main_window is not None


async def choose_file(max_bytes: int, file_types: tuple[str, ...] = JSON_FILES) -> tuple[str, bytes] | None:
    """Ask for a file with the system's open dialog; its name and content, or None when the user cancels.

    :param max_bytes: a larger file is refused with `FileNotRead` before it is read
    :param file_types: the dialog's filters, as pywebview takes them (`'Label (*.ext)'`)
    """
    import webview
    chosen = await app.native.main_window.create_file_dialog(webview.FileDialog.OPEN, file_types=file_types)
    if not chosen:
        return None
    path = Path(chosen[0])
    try:
        if path.stat().st_size > max_bytes:
            raise FileNotRead(f'{path.name} is too large to be a graph file ({max_bytes // 2**20} MB at most).')
        return path.name, await run.io_bound(path.read_bytes)
    except OSError as error:
        raise FileNotRead(f'{path.name} cannot be read: {error.strerror}.') from None


async def save(data: bytes, file_name: str, media_type: str) -> None:
    """Hand `data` to the user as `file_name`: a save dialog in the desktop window, a download in a browser."""
    if not in_window():
        ui.download.content(data, file_name, media_type)
        return
    import webview
    chosen = await app.native.main_window.create_file_dialog(webview.FileDialog.SAVE, save_filename=file_name)
    if not chosen:
        return
    path = Path(chosen if isinstance(chosen, str) else chosen[0])
    try:
        await run.io_bound(write_whole, path, data)
    except OSError as error:
        ui.notify(f'{path} was not saved: {error.strerror}.', type='negative')
        return
    ui.notify(f'Saved {path}.', type='positive')


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a failure midway leaves the file that was there untouched."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644  # mkstemp's own 0600 would hide it from others
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.part')
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
