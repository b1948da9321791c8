#!/usr/bin/env bash
# Load on `kansa serve` over HTTP with wrk (Debian's `wrk`): screening
# (POST /v1/screen, names that vary) and decisions (POST /v1/events, a
# fresh event id each, stored before the answer: in the embedded SQLite
# store, then in a PostgreSQL ledger); then events decided from NATS
# JetStream by one and by two replicas sharing the PostgreSQL ledger.
# Release build; a fresh data directory with the shared lists. PostgreSQL
# and NATS as scripts/services.sh starts them ($KANSA_TEST_PG, a fresh
# schema in it; $KANSA_TEST_NATS).
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
trap 'kill $SERVER ${REPLICAS:-} 2>/dev/null || true; rm -rf "$DATA"' EXIT
for d in ofac-sdn-2021-07 un ofac-consolidated us-csl bis-dpl; do
  "$K" --data "$DATA" lists import "$LISTS/$d" >/dev/null
done
wait_ready() {
  for _ in $(seq 1 600); do
    curl -sf http://127.0.0.1:$PORT/readyz >/dev/null 2>&1 && return
    sleep 0.1
  done
}
"$K" --data "$DATA" users add bench --role service >/dev/null
export KANSA_TOKEN=$("$K" --data "$DATA" tokens create --user bench 2>/dev/null)
"$K" --data "$DATA" serve --listen 127.0.0.1:$PORT 2>"$DATA/serve.log" &
SERVER=$!
wait_ready
echo "== screening: POST /v1/screen, $CONN_SCREEN connections, ${SECS}s"
wrk -t2 -c"$CONN_SCREEN" -d"${SECS}s" --latency -s scripts/bench/screen.lua http://127.0.0.1:$PORT
echo "== decisions: POST /v1/events, $CONN_EVENTS connections, ${SECS}s (SQLite)"
wrk -t2 -c"$CONN_EVENTS" -d"${SECS}s" --latency -s scripts/bench/events.lua http://127.0.0.1:$PORT
kill $SERVER; wait $SERVER 2>/dev/null || true
echo "== stored"
"$K" --data "$DATA" monitor decisions --limit 0 | head -1
"$K" --data "$DATA" audit verify

echo "== decisions: POST /v1/events, $CONN_EVENTS connections, ${SECS}s (PostgreSQL)"
source scripts/services.sh >/dev/null
SCHEMA=kansa_bench_$$
psql "$KANSA_TEST_PG" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA"
export KANSA_DATABASE="$KANSA_TEST_PG options='-c search_path=$SCHEMA'"
"$K" --data "$DATA" users add bench --role service >/dev/null
export KANSA_TOKEN=$("$K" --data "$DATA" tokens create --user bench 2>/dev/null)
"$K" --data "$DATA" serve --listen 127.0.0.1:$PORT 2>"$DATA/serve-pg.log" &
SERVER=$!
wait_ready
wrk -t2 -c"$CONN_EVENTS" -d"${SECS}s" --latency -s scripts/bench/events.lua http://127.0.0.1:$PORT
kill $SERVER; wait $SERVER 2>/dev/null || true
echo "== stored (PostgreSQL)"
psql "$KANSA_TEST_PG" -Atc "SELECT COUNT(*) || ' decisions' FROM $SCHEMA.monitor_events"
"$K" --data "$DATA" audit verify
psql "$KANSA_TEST_PG" -qc "DROP SCHEMA $SCHEMA CASCADE" 2>/dev/null || true

# Events from NATS: N events published first, then the replicas started;
# the time from start to the last decision stored.
N=${KANSA_BENCH_NATS_EVENTS:-50000}
python3 - "$N" > "$DATA/events.jsonl" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    kind = "deposit" if i % 3 == 0 else "withdrawal"
    print('{"id":"n-%07d","type":"%s","time":"2024-07-%02dT%02d:%02d:%02dZ","customer":"c%d","wallet":"hot-btc","asset":"BTC","amount":"0.%04d","address":"bc1qaddr%d"}'
          % (i, kind, 1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60, i % 400, 1 + i % 9000, i % 977))
PY
for replicas in 1 2; do
  SCHEMA=kansa_bench_nats_${replicas}_$$
  psql "$KANSA_TEST_PG" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA"
  export KANSA_DATABASE="$KANSA_TEST_PG options='-c search_path=$SCHEMA'"
  NATS="--nats ${KANSA_TEST_NATS:-nats://127.0.0.1:4222} --nats-stream KANSA_BENCH_$$_$replicas --nats-subject kansa.bench$$.r$replicas"
  "$K" --data "$DATA" monitor publish "$DATA/events.jsonl" $NATS
  REPLICAS=""
  START=$(date +%s.%N)
  for r in $(seq 1 $replicas); do
    "$K" --data "$DATA" serve --listen 127.0.0.1:$((PORT + r)) --from-nats $NATS 2>"$DATA/replica-$r.log" &
    REPLICAS="$REPLICAS $!"
  done
  while [ "$(psql "$KANSA_TEST_PG" -Atc "SELECT COUNT(*) FROM $SCHEMA.monitor_events" 2>/dev/null || echo 0)" -lt "$N" ]; do
    sleep 0.2
  done
  END=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print('== NATS, %s replica(s): %d events decided in %.1f s (start-up included): %.0f/s' % (sys.argv[4], int(sys.argv[3]), s, int(sys.argv[3])/s))" "$START" "$END" "$N" "$replicas"
  kill $REPLICAS; wait $REPLICAS 2>/dev/null || true
  REPLICAS=""
  "$K" --data "$DATA" audit verify
  psql "$KANSA_TEST_PG" -qc "DROP SCHEMA $SCHEMA CASCADE" 2>/dev/null || true
done
