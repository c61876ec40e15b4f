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
    "$BIN" --db "$DB" --key-file "$KEY" scores recompute --period 2011-h1
done
