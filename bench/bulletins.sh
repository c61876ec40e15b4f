#!/usr/bin/env bash
# Bulletin benchmark (docs/PERFORMANCE.md): drafting a city-wide progress bulletin from the
# data, on the demo city and on the 1.1-million-subject data set of bench/scores.sh (run
# that first: it builds DIR/scores.db).
#
#   bench/bulletins.sh [DIR]     # DIR defaults to /tmp/xianfeng-bench (not committed)
#
# Two ways each: the command line (a fresh process: it computes the period's ranking board
# before drafting) and a running server whose boards are warm (POST /bulletins, as the
# office does it), timed by curl.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-/tmp/xianfeng-bench}"
RUNS="${RUNS:-3}"
cargo build --release -p xianfeng --bins
BIN=target/release/xianfeng
mkdir -p "$DIR"

draft_cli() { # DB KEY TODAY SCOPE PERIOD LABEL
  for i in $(seq "$RUNS"); do
    XIANFENG_LOG=error /usr/bin/time -f "$6 command line run $i: %e s, peak RSS %M KB" \
      "$BIN" --db "$1" --key-file "$2" --today "$3" bulletin draft --kind progress \
      --scope "$4" --period "$5" >/dev/null
  done
}

draft_server() { # DB KEY TODAY SCOPE PERIOD LABEL
  local port=8097 jar="$DIR/bulletin-cookies"
  # The office drafts (the administrator manages accounts, not bulletins).
  "$BIN" --db "$1" --key-file "$2" user add bench-office --role office --org "$4" \
    --password 'Bench-2010!' >/dev/null 2>&1 || true
  XIANFENG_LOG=warn "$BIN" --db "$1" --key-file "$2" --today "$3" serve \
    --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
  rm -f "$jar"
  curl -s -o /dev/null -c "$jar" -b "$jar" -d "username=bench-office&password=Bench-2010!" "http://127.0.0.1:$port/login"
  local csrf
  csrf="$(curl -s -b "$jar" "http://127.0.0.1:$port/bulletins" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)"
  # The first draft waits for the boards the server computes as it starts.
  for i in $(seq 0 "$RUNS"); do
    curl -s -o /dev/null -b "$jar" -w "$6 server request $i: %{http_code} in %{time_total} s\n" \
      -H "Origin: http://127.0.0.1:$port" -d "csrf=$csrf&kind=progress&scope=$4&period=$5" "http://127.0.0.1:$port/bulletins"
  done
  kill $server; wait $server 2>/dev/null || true
}

# The demo city.
rm -f "$DIR/demo.db"* "$DIR/demo.key"
"$BIN" init --demo --password Pass-word-1 --db "$DIR/demo.db" --key-file "$DIR/demo.key" >/dev/null 2>&1
draft_cli "$DIR/demo.db" "$DIR/demo.key" 2012-03-01 JZ 2011-h2 "demo city"
draft_server "$DIR/demo.db" "$DIR/demo.key" 2012-03-01 JZ 2011-h2 "demo city"

# 1.1 million subjects.
if [ -f "$DIR/scores.ready" ]; then
  draft_cli "$DIR/scores.db" "$DIR/scores.key" 2012-06-30 R 2012-h1 "1.1M subjects"
  draft_server "$DIR/scores.db" "$DIR/scores.key" 2012-06-30 R 2012-h1 "1.1M subjects"
else
  echo "no 1.1M data set in $DIR: run bench/scores.sh first" >&2
fi
