#!/usr/bin/env bash
# One night of examples/nightly-regression.yml, runnable anywhere (the workflow calls it; so can you):
#   examples/nightly/nightly.sh <baseline-dir> <current-dir> [scenario]
# Runs the scenario into <current-dir> and, when <baseline-dir> holds a summary.json (the last good
# night), compares the two: <current-dir>/compare.md for the job summary, compare.csv for a sheet.
# Exit code: the run's (3 thresholds breached, 5 invalid run, 7 no successful request, …) if not 0, else compare's (6 when a
# gated metric regressed beyond noise), else 0. Every file is written whatever the verdict.
# TTFT_REGRESSION_PERCENT=30 seeds a regression: mock targets' TTFT raised 30 % (a drill).
set -uo pipefail
cd "$(dirname "$0")/../.."
baseline=${1:?usage: nightly.sh <baseline-dir> <current-dir> [scenario]}
current=${2:?usage: nightly.sh <baseline-dir> <current-dir> [scenario]}
scenario=${3:-examples/nightly/scenario.yaml}
bakeoff() { node dist/cli/main.js "$@"; }

if [ "${TTFT_REGRESSION_PERCENT:-0}" != 0 ]; then
  seeded=$(mktemp --suffix=.yaml)
  node examples/nightly/slow-down.mjs "$scenario" "$TTFT_REGRESSION_PERCENT" "$seeded" || exit 2
  scenario=$seeded
fi

bakeoff run "$scenario" --out "$current" --quiet
run_code=$?
echo "nightly: run exited $run_code" >&2
# A run that stopped without results (bad scenario, missing key: exit 1 or 2) has nothing to compare.
if [ ! -f "$current/summary.json" ]; then exit "$run_code"; fi

compare_code=0
if [ -f "$baseline/summary.json" ]; then
  bakeoff compare "$baseline" "$current" --format csv --out "$current/compare.csv" >/dev/null
  bakeoff compare "$baseline" "$current" --format markdown --out "$current/compare.md"
  compare_code=$?
  echo "nightly: compare exited $compare_code" >&2
else
  echo "nightly: no baseline in $baseline (first night, or the last good run's artifact expired): tonight's run becomes it if it passes" >&2
  printf '## Regression check\n\nNo baseline yet: this run is the first kept one.\n' > "$current/compare.md"
fi

if [ "$run_code" != 0 ]; then exit "$run_code"; fi
exit "$compare_code"
