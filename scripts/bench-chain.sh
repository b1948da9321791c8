#!/usr/bin/env bash
# On-chain benchmark: writes a synthetic chain of $TXS transactions (default
# 10 million) and runs `kansa bench chain` over it, with the real block files
# of ../shared/data/chain/btc measured the same way. Peak memory of the whole
# run is reported by /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TXS="${TXS:-10000000}"
WORK="${WORK:-$(mktemp -d)}"
cargo build --release --locked -p kansa-cli
KANSA=./target/release/kansa
"$KANSA" chain synth --txs "$TXS" --out "$WORK/synth"
REAL=()
if [ -d ../shared/data/chain/btc ]; then REAL=(--real ../shared/data/chain/btc); fi
/usr/bin/time -f "peak RSS of the whole run: %M KB, %e s" \
  "$KANSA" bench chain --synth "$WORK/synth" "${REAL[@]}" --queries "${QUERIES:-200}"
echo "synthetic chain and graph files left in $WORK"
