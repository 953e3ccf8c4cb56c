#!/usr/bin/env bash
# Set up a fresh clone: a virtualenv with the package (and, with --dev, the test tools) and the
# canvas bundle built from its lockfile. Re-running is cheap: each step is skipped when its
# inputs have not changed since it last succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"
python="${PYTHON:-python3}"

fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$python" -m venv .venv
fi
want="$(fingerprint pyproject.toml)$extras"
have="$(cat .venv/.installed 2>/dev/null || true)"
# An install with the test tools serves the app too.
if [ "$have" != "$want" ] && [ "$have" != "$want[dev]" ]; then
  echo "setup: installing Python packages$extras" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
  echo "$want" > .venv/.installed
fi

canvas=studio/canvas
if [ -f "$canvas/package.json" ]; then
  want="$(fingerprint "$canvas/package-lock.json" "$canvas/vite.config.js" $(find "$canvas/src" -type f | sort))"
  if [ "$(cat "$canvas/dist/.built" 2>/dev/null)" != "$want" ]; then
    echo "setup: building the canvas bundle" >&2
    (cd "$canvas" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
    echo "$want" > "$canvas/dist/.built"
  fi
fi
