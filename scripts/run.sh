#!/usr/bin/env bash
# First command of the README: set up, build Kansa, load the sanctions lists
# into the embedded store ($KANSA_DATA, default ./kansa-data) and show what
# it holds, then replay an incident through the monitor.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --locked -p kansa-cli
KANSA=./target/release/kansa
export KANSA_DATA="${KANSA_DATA:-./kansa-data}"

LISTS=../shared/data/lists
if [ -d "$LISTS" ]; then
  echo "run: importing the lists in $LISTS"
  "$KANSA" lists import \
    "$LISTS/ofac-sdn-2019" "$LISTS/ofac-sdn-2021-07" "$LISTS/ofac-consolidated" \
    "$LISTS/un" "$LISTS/us-csl" "$LISTS/bis-dpl" "$LISTS/ofac-crypto-addresses-2024-09"
else
  echo "run: $LISTS not found; downloading the official lists"
  "$KANSA" lists update
fi
"$KANSA" lists ls

echo "run: replaying the Coincheck 2018 drain through the monitor (default rule pack)"
"$KANSA" monitor replay --summary --events crates/monitor/replays/coincheck-2018.jsonl

echo "run: an example registry extract: who owns these companies, and are they blocked by ownership?"
"$KANSA" network import crates/network/fixtures/registry-example.csv
"$KANSA" network exposure "Beta Trading Pte Ltd"
