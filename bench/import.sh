#!/usr/bin/env bash
# Import benchmark (docs/PERFORMANCE.md). Generates 100,000 organisations and 1,000,000
# members (not committed), imports them into a fresh SQLite file and, when PG_URL names a
# server, a fresh PostgreSQL database, and times the member import with /usr/bin/time.
#
#   bench/import.sh [DIR]          # DIR defaults to /tmp/xianfeng-bench
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-/tmp/xianfeng-bench}"
ORGS="${ORGS:-100000}"
MEMBERS="${MEMBERS:-1000000}"
cargo build --release -p xianfeng --examples --bins
BIN=target/release/xianfeng
[ -f "$DIR/members.xlsx" ] || target/release/examples/bench_data "$DIR" "$ORGS" "$MEMBERS"

run() { # label db-url key-file
  local label=$1 db=$2 key=$3
  rm -f "$key"
  "$BIN" init --db "$db" --key-file "$key" --password 'Bench-2010!' >/dev/null 2>&1
  "$BIN" import orgs "$DIR/orgs.csv" --db "$db" --key-file "$key" >/dev/null 2>&1
  echo "== $label: import members ($MEMBERS rows)"
  /usr/bin/time -f "$label: %e s elapsed, %U s user, %S s sys, peak RSS %M KB" \
    "$BIN" import members "$DIR/members.xlsx" --db "$db" --key-file "$key" 2>&1 | tail -2
}

rm -f "$DIR"/bench.db*
run sqlite "$DIR/bench.db" "$DIR/bench.key"
echo "== sqlite: count everything under the root"
target/release/examples/bench_count "$DIR/bench.db" "$DIR/bench.key" R 20

if [ -n "${PG_URL:-}" ]; then
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS xianfeng_bench" -c "CREATE DATABASE xianfeng_bench"
  run postgres "$PG_URL/xianfeng_bench" "$DIR/bench-pg.key"
  target/release/examples/bench_count "$PG_URL/xianfeng_bench" "$DIR/bench-pg.key" R 20
fi
