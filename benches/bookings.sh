#!/usr/bin/env bash
# Booking throughput (32 clients) on SQLite and PostgreSQL next to pgbench's ceiling for the
# same INSERT under the same exclusion constraint, and availability latency. See
# benches/bookings.rs. Needs a PostgreSQL server with btree_gist (contrib) at
# BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pgbench >/dev/null || ! command -v psql >/dev/null; then
    apt-get update -qq && apt-get install -y -qq postgresql-client
fi
exec cargo bench --bench bookings
