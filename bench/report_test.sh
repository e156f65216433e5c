#!/usr/bin/env bash
# The comparison logic of bench_report (bench/run --compare) on two fixture files: nothing is
# timed. Usage: report_test.sh PATH/TO/bench_report (ctest passes it).
set -uo pipefail
report="$1"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/testdata"
base="$dir/report_base.json"
new="$dir/report_new.json"
fails=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what="$1"
  shift
  if ! "$@"; then
    echo "FAILED: $what"
    fails=$((fails + 1))
  fi
}
has() { grep -Eq -- "$2" <<<"$1"; }

out="$("$report" compare "$base" "$new")"
rc=$?
echo "$out"
check "compare exits 0 without --fail-on-regression" test "$rc" -eq 0
# +25% ms/step with 1-2% quartile ranges: worse, and the target verdict flipped.
check "cnn_step is worse" has "$out" '^cnn_step .* \+25\.0% +3\.0% +WORSE; verdict met -> missed \(target <= 0\.6x\)'
# samples/s up 30%: a higher rate is better.
check "mlp_infer is better" has "$out" '^mlp_infer .* \+30\.0% .* BETTER$'
# +4% inside a 10.6% relative IQR: noise, not a change.
check "mlp_epoch is within noise" has "$out" '^mlp_epoch .* \+4\.0% +10\.6% +within noise$'
# No quartiles saved: the 10% default threshold.
check "relu_16M is within the default noise" has "$out" '^relu_16M .* \+8\.0% +10\.0% +within noise$'
check "a lower ms/iter is better" has "$out" '^gan_ns_ring_iter .* -25\.0% +10\.0% +BETTER$'
check "rows only in one file" has "$out" '^old_only +only in the base file'
check "rows only in the new file" has "$out" '^new_only +only in the new file'
check "a row without a figure" has "$out" '^retrieval_10k_d64 +no minidl figure'
# The worse rows come first.
check "worse rows first" has "$(sed -n 3p <<<"$out")" '^cnn_step'

"$report" compare "$base" "$new" --fail-on-regression 10 >/dev/null
check "a 25% regression fails --fail-on-regression 10" test $? -eq 1
"$report" compare "$base" "$new" --fail-on-regression 30 >/dev/null
check "a 25% regression passes --fail-on-regression 30" test $? -eq 0
out="$("$report" compare "$base" "$base" --fail-on-regression 0)"
check "a file against itself passes --fail-on-regression 0" test $? -eq 0
lacks() { ! grep -Eq -- "$2" <<<"$1"; }
check "a file against itself has no change" lacks "$out" 'WORSE|BETTER'
"$report" compare "$base" /nonexistent.json >/dev/null 2>&1
check "a missing file is a usage error (2)" test $? -eq 2
"$report" compare "$base" "$new" --fail-on-regression x >/dev/null 2>&1
check "a bad percentage is a usage error (2)" test $? -eq 2

# collect: JSON lines in (other lines skipped), one results file out, readable by table.
tmp="$(mktemp -d)"
printf '%s\n' 'note: not json' '{"bench": "a", "minidl": 1.5, "unit": "ms"}' \
  '{"bench": "b", "minidl": 2, "reference": 4, "unit": "ms", "ratio": 0.5, "target": "<= 0.6x", "verdict": "met"}' \
  '== 64-d: 10000 base, 1000 queries, top-10 ==' \
  '{"lib": "minidl", "index": "hnsw", "params": "M=16 ef=10", "recall": 0.9, "qps": 5000, "build_s": 1, "mem_mb": 2}' \
  '{"lib": "faiss", "index": "hnsw", "params": "M=16 ef=10", "recall": 0.9, "qps": 4000, "build_s": 1, "mem_mb": 2}' |
  "$report" collect --out "$tmp/r.json" --meta commit=abc 2>/dev/null
check "collect exits 0" test $? -eq 0
table="$("$report" table "$tmp/r.json")"
echo "$table"
check "collect kept two rows" test "$(grep -c '^[ab] ' <<<"$table")" -eq 2
# bench_ann's points: minidl's become a row named by dimension, index and parameters.
check "an ann point of minidl is a row" has "$table" '^ann_64d_hnsw_M-16_ef-10 +5000 .* queries/s'
check "ann points of the references are not rows" test "$(grep -c '^ann_' <<<"$table")" -eq 1
check "table shows ratio and verdict" has "$table" '^b .* 0\.5x +<= 0\.6x +met$'
check "collect wrote the meta" grep -q '"commit": "abc"' "$tmp/r.json"
rm -rf "$tmp"

if ((fails)); then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
