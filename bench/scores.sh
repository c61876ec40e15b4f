#!/usr/bin/env bash
# Scores benchmark (docs/PERFORMANCE.md): a full recompute of scores and ranks for
# 1,100,000 subjects (100,000 organisations, 1,000,000 members) on SQLite, with reviews,
# ballots, commitments, hours, self-assessments and indicators behind them.
#
#   bench/scores.sh [DIR]          # DIR defaults to /tmp/xianfeng-bench (not committed)
#   RUNS=5 bench/scores.sh
#
# The registry comes from bench/import.sh's generator; the inputs from the
# bench_score_inputs example (plain INSERT … SELECT). Each run is a fresh process:
# `xianfeng scores recompute` prints the time to read and score everything and the time to
# rank every kind city-wide; /usr/bin/time adds the whole command and its peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-/tmp/xianfeng-bench}"
RUNS="${RUNS:-3}"
cargo build --release -p xianfeng --examples --bins
BIN=target/release/xianfeng
DB="$DIR/scores.db"
KEY="$DIR/scores.key"
mkdir -p "$DIR"
if [ ! -f "$DIR/scores.ready" ]; then
  [ -f "$DIR/members.xlsx" ] || target/release/examples/bench_data "$DIR" 100000 1000000
  rm -f "$DB"* "$KEY"
  "$BIN" init --db "$DB" --key-file "$KEY" --password 'Bench-2010!' >/dev/null 2>&1
  "$BIN" import orgs "$DIR/orgs.csv" --db "$DB" --key-file "$KEY" >/dev/null 2>&1
  "$BIN" import members "$DIR/members.xlsx" --db "$DB" --key-file "$KEY" >/dev/null 2>&1
  target/release/examples/bench_score_inputs "$DB" "$KEY"
  touch "$DIR/scores.ready"
fi
for i in $(seq "$RUNS"); do
  XIANFENG_LOG=error /usr/bin/time -f "run $i: whole command %e s, peak RSS %M KB" \
    "$BIN" --db "$DB" --key-file "$KEY" scores recompute --period 2012-h1
done

# The city-wide dashboard at that size, for the current period (2012-h1 from the campaign's
# end on): a server on the same database, signed in as the administrator. The server
# computes the current and previous periods as it starts; the first request may wait for
# that. Then the server's resident memory.
PORT="${PORT:-8094}"
XIANFENG_LOG=warn "$BIN" --db "$DB" --key-file "$KEY" serve --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
sleep 3
JAR="$DIR/cookies"
curl -s -o /dev/null -c "$JAR" -b "$JAR" -d 'username=admin&password=Bench-2010!' "http://127.0.0.1:$PORT/login"
for kind in organisation member; do
  for i in 1 2 3 4 5 6; do
    curl -s -o /dev/null -b "$JAR" -w "dashboard $kind request $i: %{http_code} in %{time_total} s\n" \
      "http://127.0.0.1:$PORT/scores?kind=$kind"
  done
  echo "server resident memory after the $kind dashboard: $(ps -o rss= -p $SERVER) KB"
done
