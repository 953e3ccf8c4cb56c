"""`swarm-studio desktop --install-launcher`: a menu entry and icon, written where desktops look for them."""
from __future__ import annotations

import configparser
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from studio.desktop.launcher import install_launcher


def entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(path, encoding='utf-8')
    return parser['Desktop Entry']


def test_the_launcher_and_icon_go_under_the_data_folder(tmp_path: Path) -> None:
    launcher, icon = install_launcher(tmp_path, Path('/opt/studio/bin/swarm-studio'))
    assert launcher == tmp_path / 'applications' / 'swarm-studio.desktop'
    assert icon == tmp_path / 'icons' / 'hicolor' / 'scalable' / 'apps' / 'swarm-studio.svg'
    found = entry(launcher)
    assert found['Name'] == 'Swarm Studio' and found['Type'] == 'Application' and found['Icon'] == 'swarm-studio'
    assert found['Exec'] == '/opt/studio/bin/swarm-studio desktop'  # absolute: a menu does not read the shell's PATH
    assert ElementTree.parse(icon).getroot().tag == '{http://www.w3.org/2000/svg}svg'


def test_a_path_with_spaces_is_quoted_as_the_desktop_entry_spec_says(tmp_path: Path) -> None:
    launcher, _ = install_launcher(tmp_path, Path('/home/ada/my apps/bin/swarm-studio'))
    assert entry(launcher)['Exec'] == '"/home/ada/my apps/bin/swarm-studio" desktop'


def test_the_command_installs_into_xdg_data_home(tmp_path: Path) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / 'swarm-studio'), 'desktop', '--install-launcher'],
                          env={'XDG_DATA_HOME': str(tmp_path), 'HOME': str(tmp_path / 'home'), 'PATH': '/usr/bin:/bin'},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    launcher = tmp_path / 'applications' / 'swarm-studio.desktop'
    assert done.stdout.split() == [str(launcher), str(tmp_path / 'icons/hicolor/scalable/apps/swarm-studio.svg')]
    assert entry(launcher)['Exec'] == f'{Path(sys.executable).parent / "swarm-studio"} desktop'
    assert not (tmp_path / 'home').exists()
