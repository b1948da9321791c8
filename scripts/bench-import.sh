#!/usr/bin/env bash
# Benchmark: import every list in ../shared/data/lists into a fresh store,
# in release mode, reporting wall time and peak memory (max RSS); then the
# same for synthetic OFAC files 10x and 50x the size of the real SDN list,
# to show that memory does not grow with file size.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTS=../shared/data/lists
RUNS=${RUNS:-5}
cargo build --release --locked -p kansa-cli >/dev/null 2>&1
KANSA=./target/release/kansa
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

measure() { # label, then the kansa arguments
  local label=$1; shift
  local best="" rss=""
  for _ in $(seq "$RUNS"); do
    rm -rf "$TMP/data"
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$KANSA" --data "$TMP/data" "$@" >/dev/null 2>&1
    read -r secs kb < "$TMP/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    if [ -z "$rss" ] || [ "$kb" -gt "$rss" ]; then rss=$kb; fi
  done
  printf "%-44s best of %s: %6.2f s   peak RSS %6.1f MiB\n" "$label" "$RUNS" "$best" "$(awk "BEGIN{print $rss/1024}")"
}

ALL=("$LISTS/ofac-sdn-2019" "$LISTS/ofac-sdn-2021-07" "$LISTS/ofac-consolidated" "$LISTS/un" \
     "$LISTS/us-csl" "$LISTS/bis-dpl" "$LISTS/ofac-crypto-addresses-2024-09")
du -cb "$LISTS"/{ofac-sdn-2019,ofac-sdn-2021-07,ofac-consolidated,un,us-csl,bis-dpl,ofac-crypto-addresses-2024-09} | tail -1 | awk '{printf "input: %.1f MB in 7 snapshots\n", $1/1e6}'
measure "all shared lists (7 snapshots)" lists import "${ALL[@]}"
measure "OFAC SDN 2021-07 alone (2.0 MB)" lists import "$LISTS/ofac-sdn-2021-07"
measure "UN consolidated alone (1.6 MB XML)" lists import "$LISTS/un"

# Synthetic SDN sets: the real 2021-07 files repeated with new entity numbers.
for k in 10 50; do
  python3 - "$LISTS/ofac-sdn-2021-07" "$TMP/sdn$k" "$k" <<'PY'
import os, sys
src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dst, exist_ok=True)
for name in ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]:
    lines = [l for l in open(os.path.join(src, name), encoding="utf-8", newline="").read().split("\r\n") if l.strip("\x1a").strip()]
    with open(os.path.join(dst, name), "w", encoding="utf-8", newline="") as out:
        for rep in range(k):
            for l in lines:
                num, rest = l.split(",", 1)
                out.write(f"{rep * 100000 + int(num)},{rest}\r\n")
PY
  size=$(du -cb "$TMP/sdn$k" | tail -1 | awk '{printf "%.0f", $1/1e6}')
  measure "synthetic SDN x$k ($size MB, $((8976 * k)) entities)" lists import "$TMP/sdn$k"
done
