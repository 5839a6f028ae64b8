#!/usr/bin/env bash
# Rehearse a multi-region run on this machine: one `bakeoff run` shard per region as local
# processes on the embedded mock (--mock: nothing leaves loopback), all starting at the same
# instant, then `bakeoff merge` of their run directories — what the Kubernetes Jobs and the
# collector do (deploy/kubernetes/, docs/kubernetes.md).
#
#   deploy/local.sh <scenario.yaml> <out-dir> [regions...] [-- extra run args...]
#
#   regions   agent regions, one shard each (default: eu-west-1 us-east-1); n = their number,
#             the k-th region runs shard k-1 of n and writes <out-dir>/<region>/shard-<k-1>/
#   -- ...    passed to every `bakeoff run` (e.g. -- --metrics-port 0)
#
# Each shard's console output goes to <out-dir>/<region>/shard-<i>.log. A shard exiting 0, 3
# (threshold breached), 5 (run invalid) or 7 (no successful request) has written a complete run
# directory, so it is merged; any other exit stops here with exit 1, before merging. The merge
# writes <out-dir>/merged/ with --exit-code, and this script exits with the merge's code: 0 passed,
# 3 thresholds breached, 5 run invalid, 7 no successful request, anything else the merge failed
# (codes: src/cli/exit-codes.ts).
#
# Environment: BAKEOFF_NODE — the node binary to use (default: node); BAKEOFF_START_DELAY —
# seconds from now to the shards' common start (default: 3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE="${BAKEOFF_NODE:-node}"
CLI="$ROOT/dist/cli/main.js"

usage() {
  echo "usage: deploy/local.sh <scenario.yaml> <out-dir> [regions...] [-- extra run args...]" >&2
  echo "       (default regions: eu-west-1 us-east-1; one shard per region)" >&2
  exit 2
}

positional=()
extra=()
while (($# > 0)); do
  if [[ "$1" == "--" ]]; then
    shift
    extra=("$@")
    break
  fi
  positional+=("$1")
  shift
done
((${#positional[@]} >= 2)) || usage
scenario="${positional[0]}"
out="${positional[1]}"
regions=("${positional[@]:2}")
((${#regions[@]} > 0)) || regions=(eu-west-1 us-east-1)

[[ -f "$scenario" ]] || { echo "local.sh: scenario file not found: $scenario" >&2; exit 2; }
[[ -f "$CLI" ]] || { echo "local.sh: $CLI not found; build first: npm ci && npm run build" >&2; exit 2; }
for region in "${regions[@]}"; do
  # A region names a directory: no path separators, no "." or "..".
  if [[ ! "$region" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    echo "local.sh: \"$region\" is not a region name (letters, digits, . _ -; e.g. eu-west-1)" >&2
    exit 2
  fi
done
if [[ -e "$out" && -n "$(ls -A "$out" 2>/dev/null)" ]]; then
  echo "local.sh: $out is not empty; choose a new directory for this run" >&2
  exit 2
fi
mkdir -p "$out"

n=${#regions[@]}
# Now + BAKEOFF_START_DELAY seconds (default 3), whole seconds: every shard waits for this
# instant. Raise it on a slow or busy machine, so every shard is ready before it comes.
delay="${BAKEOFF_START_DELAY:-3}"
[[ "$delay" =~ ^[0-9]+$ ]] || { echo "local.sh: BAKEOFF_START_DELAY must be whole seconds, got \"$delay\"" >&2; exit 2; }
START_AT="$(date -u -d "+$delay seconds" +%Y-%m-%dT%H:%M:%S.000Z 2>/dev/null ||
  "$NODE" -e 'const t = new Date(Date.now() + Number(process.argv[1]) * 1000); t.setUTCMilliseconds(0); console.log(t.toISOString())' "$delay")"
echo "local.sh: $n shard(s) of $scenario on the mock, starting at $START_AT"

pids=()
dirs=()
logs=()
interrupted=0
signalled=0
# Ctrl-C reaches every shard directly (same process group); a TERM sent to this script alone is
# passed on. Either way the shards stop sending, write what they measured and exit 130.
trap 'interrupted=1; signalled=1' INT
trap 'interrupted=1; signalled=1; ((${#pids[@]} == 0)) || kill -TERM "${pids[@]}" 2>/dev/null || true' TERM
for i in "${!regions[@]}"; do
  region="${regions[$i]}"
  dir="$out/$region/shard-$i"
  log="$out/$region/shard-$i.log"
  mkdir -p "$out/$region"
  "$NODE" "$CLI" run "$scenario" --mock --yes --quiet \
    --shard "$i/$n" --agent-region "$region" --start-at "$START_AT" --out "$dir" \
    ${extra[@]+"${extra[@]}"} >"$log" 2>&1 &
  pids+=("$!")
  dirs+=("$dir")
  logs+=("$log")
done

codes=()
for pid in "${pids[@]}"; do
  while :; do
    signalled=0
    code=0
    wait "$pid" || code=$?
    # A signal interrupts `wait` (code > 128) while the shard is still writing: wait again.
    ((signalled && code > 128)) || break
  done
  codes+=("$code")
done
trap - INT TERM

failed=0
for i in "${!regions[@]}"; do
  code="${codes[$i]}"
  case "$code" in
    0 | 3 | 5 | 7) echo "shard $i/$n (${regions[$i]}): exit $code -> ${dirs[$i]}" ;;
    *)
      failed=1
      echo "shard $i/$n (${regions[$i]}): FAILED, exit $code; its output (${logs[$i]}):" >&2
      tail -n 20 "${logs[$i]}" | sed 's/^/  | /' >&2
      ;;
  esac
done
if ((failed)); then
  echo "local.sh: not merging: a shard failed (mergeable exits are 0, 3, 5 and 7)" >&2
  ((interrupted)) && exit 130
  exit 1
fi

code=0
"$NODE" "$CLI" merge "${dirs[@]}" --out "$out/merged" --exit-code || code=$?
exit "$code"
