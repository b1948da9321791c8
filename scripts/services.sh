#!/usr/bin/env bash
# Installs and starts what the replica tests need, where absent: a
# PostgreSQL server on 127.0.0.1:5432 and NATS with JetStream on
# 127.0.0.1:4222 (Debian's packages). Sourced by scripts/test.sh; exports
# KANSA_TEST_PG (how tests reach PostgreSQL) and KANSA_TEST_NATS.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in postgresql postgresql-client nats-server; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "services: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# PostgreSQL: start Debian's cluster if nothing answers.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  echo "services: starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if [ -z "${KANSA_TEST_PG:-}" ]; then
  if psql "host=127.0.0.1 user=postgres dbname=test" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    export KANSA_TEST_PG="host=127.0.0.1 port=5432 user=postgres dbname=test"
  else
    # A stock server asks for passwords over TCP: a role and a database of
    # the tests' own, made through the local socket as the server's owner.
    echo "services: creating the PostgreSQL role and database kansa_test"
    as_pg() { $SUDO runuser -u postgres -- "$@"; }
    if [ "$(id -u)" -ne 0 ]; then as_pg() { sudo -u postgres "$@"; }; fi
    as_pg psql -Atqc "SELECT 1 FROM pg_roles WHERE rolname = 'kansa_test'" | grep -q 1 ||
      as_pg psql -qc "CREATE ROLE kansa_test LOGIN PASSWORD 'kansa_test'"
    as_pg psql -Atqc "SELECT 1 FROM pg_database WHERE datname = 'kansa_test'" | grep -q 1 ||
      as_pg psql -qc "CREATE DATABASE kansa_test OWNER kansa_test"
    export KANSA_TEST_PG="host=127.0.0.1 port=5432 user=kansa_test password=kansa_test dbname=kansa_test"
  fi
fi

# NATS with JetStream.
if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  echo "services: starting nats-server with JetStream"
  $SUDO mkdir -p /var/lib/nats-server
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 1; done
fi
export KANSA_TEST_NATS="${KANSA_TEST_NATS:-nats://127.0.0.1:4222}"
echo "services: PostgreSQL and NATS ready"
