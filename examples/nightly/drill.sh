#!/usr/bin/env bash
# Drill of the nightly gate, on this machine: one baseline night, then N nights with the mock's TTFT
# raised 30 % (each must fail, exit 6) and N unchanged nights (each must pass, exit 0), every one
# compared with the baseline exactly as examples/nightly-regression.yml does.
#   examples/nightly/drill.sh [N=3] [work-dir]
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-3}
work=${2:-$(mktemp -d -t bakeoff-drill-XXXXXX)}
mkdir -p "$work"
examples/nightly/nightly.sh "$work/none" "$work/baseline" >"$work/baseline.log" 2>&1
code=$?
echo "baseline night: exit $code"
[ "$code" = 0 ] || { echo "drill: the baseline night failed; see $work/baseline.log"; exit 1; }
wrong=0
for i in $(seq 1 "$n"); do
  for kind in seeded unchanged; do
    dir="$work/$kind-$i"
    if [ "$kind" = seeded ]; then pct=30 want=6; else pct=0 want=0; fi
    TTFT_REGRESSION_PERCENT=$pct examples/nightly/nightly.sh "$work/baseline" "$dir" >"$dir.log" 2>&1
    code=$?
    verdict=$(grep -m1 -oE 'REGRESSION: [0-9]+ gated|no regression: [0-9]+ gated' "$dir/compare.md" 2>/dev/null || true)
    p50=$(node -e "const p=require('path');const c=require(p.resolve(process.argv[1],'summary.json'));const b=require(p.resolve(process.argv[2],'summary.json'));const g=(s,t)=>s.groups.find(x=>x.scope==='target'&&x.target===t).metrics.ttft.p50;console.log(['daily-driver','premium'].map(t=>t+' TTFT p50 '+g(b,t).toFixed(0)+' → '+g(c,t).toFixed(0)+' ms').join(', '))" "$dir" "$work/baseline")
    mark=ok; [ "$code" = "$want" ] || { mark=WRONG; wrong=$((wrong + 1)); }
    printf '%-9s night %d: exit %d (want %d) %-5s %s; %s\n' "$kind" "$i" "$code" "$want" "$mark" "$p50" "$verdict"
  done
done
echo "drill: $((2 * n - wrong)) of $((2 * n)) nights judged as they should be; files in $work"
[ "$wrong" = 0 ]
