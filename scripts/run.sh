#!/usr/bin/env bash
# Set up (if needed) and start the web app on http://127.0.0.1:8080 (pass serve flags through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/swarm-studio serve "$@"
