#!/usr/bin/env bash
# Benchmark: name matching beside nomenklatura's logic-v2 on the same pairs,
# then the screener on all shared lists (index build, latency, throughput,
# recall against brute force, false-positive rate on synthetic customers).
# Release build; nomenklatura 4.17.4 is installed with pip when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p kansa-cli >/dev/null 2>&1
KANSA=./target/release/kansa
NAMES=../shared/data/names/nomenklatura-name-bench-cases.csv
LISTS=../shared/data/lists
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 -c "import nomenklatura" 2>/dev/null || pip install -q nomenklatura==4.17.4
echo "== name pairs ($NAMES)"
python3 scripts/nomenklatura_pairs.py "$NAMES" 0.7
for i in 1 2 3; do
  "$KANSA" eval names "$NAMES" --json | python3 -c "import json,sys; r=json.load(sys.stdin); print(json.dumps({k: r[k] for k in ['pairs','threshold','precision','recall','f1','scoring_seconds','pairs_per_second','analysis_seconds','compare_seconds']}))"
done

echo "== screening against all shared lists"
"$KANSA" --data "$TMP/data" lists import "$LISTS/ofac-sdn-2021-07" "$LISTS/ofac-consolidated" "$LISTS/un" \
  "$LISTS/us-csl" "$LISTS/bis-dpl" "$LISTS/ofac-crypto-addresses-2024-09" >/dev/null 2>&1
"$KANSA" --data "$TMP/data" bench screen "$@"
