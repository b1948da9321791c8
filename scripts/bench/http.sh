#!/usr/bin/env bash
# Load on `kansa serve` over HTTP with wrk (Debian's `wrk`): screening
# (POST /v1/screen, names that vary) and decisions (POST /v1/events, a
# fresh event id each, stored in the embedded SQLite store before the
# answer). Release build; a fresh data directory with the shared lists.
#
#   bash scripts/bench/http.sh [seconds] [screen connections] [event connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-20}
CONN_SCREEN=${2:-32}
CONN_EVENTS=${3:-16}
LISTS=${KANSA_LISTS:-../shared/data/lists}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
cargo build --release --locked -q -p kansa-cli
K=$PWD/target/release/kansa
DATA=$(mktemp -d)
PORT=${KANSA_BENCH_PORT:-18099}
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for d in ofac-sdn-2021-07 un ofac-consolidated us-csl bis-dpl; do
  "$K" --data "$DATA" lists import "$LISTS/$d" >/dev/null
done
"$K" --data "$DATA" users add bench --role service >/dev/null
export KANSA_TOKEN=$("$K" --data "$DATA" tokens create --user bench 2>/dev/null)
"$K" --data "$DATA" serve --listen 127.0.0.1:$PORT 2>"$DATA/serve.log" &
SERVER=$!
for _ in $(seq 1 600); do
  curl -sf http://127.0.0.1:$PORT/readyz >/dev/null 2>&1 && break
  sleep 0.1
done
echo "== screening: POST /v1/screen, $CONN_SCREEN connections, ${SECS}s"
wrk -t2 -c"$CONN_SCREEN" -d"${SECS}s" --latency -s scripts/bench/screen.lua http://127.0.0.1:$PORT
echo "== decisions: POST /v1/events, $CONN_EVENTS connections, ${SECS}s (SQLite)"
wrk -t2 -c"$CONN_EVENTS" -d"${SECS}s" --latency -s scripts/bench/events.lua http://127.0.0.1:$PORT
kill $SERVER; wait $SERVER 2>/dev/null || true
echo "== stored"
"$K" --data "$DATA" monitor decisions --limit 0 | head -1
"$K" --data "$DATA" audit verify
