#!/usr/bin/env bash
# First set-up command of the README: install llm-gameday and run the quickstart game day
# on the embedded fake provider. The last line printed is where its report is (report.html);
# the run's own output (verdict table, then the run directory) comes just before it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e '.[fast]'
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
python3 -m simulator.cli run scenarios/quickstart.yaml "$@" | tee "$out" || status=$?
run_dir="$(tail -n 1 "$out")"
if [ -f "$run_dir/report.html" ]; then
  echo "report: $run_dir/report.html"
fi
exit "$status"
