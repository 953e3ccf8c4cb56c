#!/usr/bin/env bash
# Set up a fresh clone: a virtualenv with the package (with --dev, the test tools; with --desktop, the
# desktop window's pywebview and Qt), the canvas bundle built from its lockfile and the pages' Tailwind
# CSS. Re-running is cheap: each step is skipped when its inputs have not changed since it last succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted_extras=()
for option in "$@"; do
  case "$option" in
    --dev) wanted_extras+=(dev) ;;
    --desktop) wanted_extras+=(desktop) ;;
    *) echo "setup: unknown option $option (known: --dev, --desktop)" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-python3}"

fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$python" -m venv .venv
fi
# The stamp is the fingerprint, then the extras installed with it. An install with more extras than asked
# for serves too (run.sh after test.sh reinstalls nothing), so extras already there are kept, never dropped.
fingerprint_now="$(fingerprint pyproject.toml)"
read -r have_fingerprint have_extras 2>/dev/null < .venv/.installed || true
installed_extras=()
[ "${have_fingerprint:-}" = "$fingerprint_now" ] && IFS=, read -r -a installed_extras <<< "${have_extras:-}"
missing=0
for extra in "${wanted_extras[@]}"; do
  [[ " ${installed_extras[*]} " == *" $extra "* ]] || missing=1
done
if [ "${have_fingerprint:-}" != "$fingerprint_now" ] || [ "$missing" = 1 ]; then
  extras="$(printf '%s\n' "${installed_extras[@]}" "${wanted_extras[@]}" | sed '/^$/d' | sort -u | paste -sd, -)"
  echo "setup: installing Python packages${extras:+[$extras]}" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
  echo "$fingerprint_now $extras" > .venv/.installed
fi

canvas=studio/canvas
if [ -f "$canvas/package.json" ]; then
  want="$(fingerprint "$canvas/package-lock.json" "$canvas/vite.config.js" $(find "$canvas/src" -type f | sort))"
  if [ "$(cat "$canvas/dist/.built" 2>/dev/null)" != "$want" ]; then
    echo "setup: building the canvas bundle" >&2
    (cd "$canvas" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
    echo "$want" > "$canvas/dist/.built"
  fi
  # The pages' Tailwind CSS, compiled from the classes the sources name: again whenever a source changes.
  want="$(fingerprint "$canvas/package-lock.json" "$canvas/tailwind.css" $(find studio -path '*/node_modules' -prune -o \( -name '*.py' -o -name '*.js' \) -type f -not -path '*/dist/*' -print | sort))"
  if [ "$(cat "$canvas/styles/.built" 2>/dev/null)" != "$want" ]; then
    echo "setup: compiling the pages' Tailwind CSS" >&2
    [ -d "$canvas/node_modules/@tailwindcss/cli" ] || (cd "$canvas" && npm ci --no-audit --no-fund --loglevel=error)
    (cd "$canvas" && npm run --silent styles)
    echo "$want" > "$canvas/styles/.built"
  fi
fi
