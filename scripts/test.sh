#!/usr/bin/env bash
# Set up (if needed), make sure a Chromium exists for the browser tests, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
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
exec .venv/bin/python -m pytest "$@"
