#!/usr/bin/env bash
# Set up (if needed), make sure a Chromium exists for the browser tests, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev --desktop
if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's chromium for the browser tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: the browser tests need Chromium; install it (e.g. 'sudo apt-get install chromium')" >&2
    exit 1
  fi
fi
# PostgreSQL's server for the migration tests (tests/servers.py starts a throwaway cluster).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's postgresql for the migration tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "test: PostgreSQL is not installed and this is not root: its tests will be skipped" \
         "(install it with 'sudo apt-get install postgresql')" >&2
  fi
fi
# Redis's server for the scale-out tests (tests/servers.py starts a throwaway redis-server).
if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's redis-server for the scale-out tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "test: Redis is not installed and this is not root: its tests will be skipped" \
         "(install it with 'sudo apt-get install redis-server')" >&2
  fi
fi

# --- desktop window (tests/test_desktop.py) --------------------------------------------------------------
# A virtual screen (Xvfb), window tools (xdotool; ImageMagick's import for screenshots) and the libraries
# Qt's xcb platform and Qt WebEngine load at run time, which PyPI's Qt wheels do not carry.
desktop_packages=(xvfb xdotool imagemagick
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxcb-dri3-0 libx11-xcb1 libegl1 libgl1 libgl1-mesa-dri libgbm1 libgssapi-krb5-2
  libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libdbus-1-3 libfontconfig1 fonts-dejavu-core)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# Debian 13 renamed the ALSA library that Qt WebEngine links to; apt installs libasound2t64 for libasound2.
installed libasound2t64 || installed libasound2 || desktop_packages+=(libasound2)
missing=()
if command -v dpkg-query >/dev/null; then
  for package in "${desktop_packages[@]}"; do installed "$package" || missing+=("$package"); done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian packages for the desktop window test: ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test: the desktop window test will be skipped or fail without: ${missing[*]} (install them as root)" >&2
  fi
fi
# --- end of desktop window ---------------------------------------------------------------------------------

exec .venv/bin/python -m pytest "$@"
