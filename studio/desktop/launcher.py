"""A menu entry for Linux desktops: the .desktop file and icon in assets/desktop/, installed on request."""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent.parent / 'assets' / 'desktop'


def data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (the XDG base directory specification)."""
    return Path(os.environ.get('XDG_DATA_HOME') or Path.home() / '.local' / 'share')


def swarm_studio_executable() -> Path:
    """The `swarm-studio` script of this installation: a menu entry cannot rely on the shell's PATH."""
    return Path(sys.executable).parent / 'swarm-studio'


def install_launcher(target: Path | None = None, executable: Path | None = None) -> list[Path]:
    """Write the launcher and its icon under `target` (default: `data_home()`); return the files written.

    :param target: the XDG data folder to install into
    :param executable: the command the launcher starts (default: this installation's `swarm-studio`)
    """
    target = target or data_home()
    executable = executable or swarm_studio_executable()
    entry = (ASSETS / 'swarm-studio.desktop').read_text(encoding='utf-8')
    # The desktop entry spec quotes arguments like a shell does, with double quotes only.
    exec_line = f'Exec={_desktop_quote(str(executable))} desktop'
    entry = '\n'.join(exec_line if line.startswith('Exec=') else line for line in entry.splitlines()) + '\n'
    launcher = target / 'applications' / 'swarm-studio.desktop'
    icon = target / 'icons' / 'hicolor' / 'scalable' / 'apps' / 'swarm-studio.svg'
    for path, content in ((launcher, entry.encode()), (icon, (ASSETS / 'swarm-studio.svg').read_bytes())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return [launcher, icon]


def _desktop_quote(argument: str) -> str:
    argument = argument.replace('%', '%%')  # % starts a field code in Exec
    if argument == shlex.quote(argument):
        return argument
    quoted = '"' + ''.join('\\' + char if char in '"`$\\' else char for char in argument) + '"'
    return quoted.replace('\\', '\\\\')  # a desktop file's string values escape backslashes once more
