#!/usr/bin/env bash
# Bulk accounts benchmark (docs/PERFORMANCE.md, issue 17): the demo city (1,414
# organisations, 30,512 members) in a fresh database, then accounts with activation codes
# for every member in one run, written to .xlsx — timed end to end with /usr/bin/time.
#
#   bench/accounts.sh [DIR]          # DIR defaults to /tmp/xianfeng-bench-accounts
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/accounts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-/tmp/xianfeng-bench-accounts}"
mkdir -p "$DIR"
cargo build --release -p xianfeng --bins
BIN=target/release/xianfeng

run() { # label db-url key-file
  local label=$1 db=$2 key=$3
  rm -f "$key"
  "$BIN" init --demo --db "$db" --key-file "$key" --password 'Bench-2010!' >/dev/null 2>&1
  for out in codes.xlsx codes.csv; do
    rm -f "$DIR/$out"
    echo "== $label: accounts for every member, to $out"
    /usr/bin/time -f "$label $out: %e s elapsed, %U s user, %S s sys, peak RSS %M KB" \
      "$BIN" user bulk --scope JZ --members --out "$DIR/$out" --db "$db" --key-file "$key" \
      --base-url https://cxzy.example.gov 2>&1 | tail -2
    # The second run finds everyone served: it times the look-up alone.
  done
}

rm -f "$DIR"/bench.db*
run sqlite "$DIR/bench.db" "$DIR/bench.key"

if [ -n "${PG_URL:-}" ]; then
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS xianfeng_bench_accounts" \
    -c "CREATE DATABASE xianfeng_bench_accounts"
  run postgres "$PG_URL/xianfeng_bench_accounts" "$DIR/bench-pg.key"
fi
