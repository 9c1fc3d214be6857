#!/usr/bin/env bash
# First set-up command of the README: install llm-gameday and run the quickstart game day
# on the embedded fake provider. The last line printed is the run directory.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e '.[fast]'
exec python3 -m simulator.cli run scenarios/quickstart.yaml "$@"
