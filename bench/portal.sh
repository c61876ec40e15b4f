#!/usr/bin/env bash
# Portal benchmark (issue 21, docs/PERFORMANCE.md): on the demo city, wrk puts the same load
# on the portal's home page (/p/), on a branch's public board (/p/o/CODE) and on /healthz,
# and prints requests per second of each and their ratio to /healthz (target >= 0.5); then
# the first-load bytes of the home page: the HTML and everything it links (style sheet,
# icon), as sent, and compressed when the client asks for gzip (target under 30 KB).
#
#   bench/portal.sh            # DURATION=20 THREADS=2 CONNECTIONS=64 by default
#
# Needs wrk (Debian: apt-get install wrk). Data goes to bench-data/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-20}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-18081}"
BIN="${CARGO_TARGET_DIR:-target}/release/xianfeng"

cargo build --release --bin xianfeng >/dev/null
mkdir -p bench-data
WORK="$(mktemp -d bench-data/portal.XXXX)"
X() { "$BIN" "$@" --db "$WORK/x.db" --key-file "$WORK/x.key"; }
X init --demo --password Pass-word-1 >/dev/null
# The demo secretary's branch: a board with published commitments.
BRANCH="$(X user list --json | python3 -c 'import json,sys; print([u for u in json.load(sys.stdin) if u["username"]=="secretary"][0]["organisations"][0])')"

XIANFENG_LOG=warn "$BIN" --today 2012-03-01 serve --addr "127.0.0.1:$PORT" \
  --db "$WORK/x.db" --key-file "$WORK/x.key" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"

rate() { # PATH -> requests/s
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$BASE$1" > "$WORK/wrk.txt"
  grep -E "Requests/sec|99%|Non-2xx" "$WORK/wrk.txt" | sed "s|^|  $1 |" >&2
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt"
}
# Warm up (the score boards are computed as the server starts).
curl -s -o /dev/null "$BASE/p/"; curl -s -o /dev/null "$BASE/p/o/$BRANCH"
HOME_RPS="$(rate /p/)"
BOARD_RPS="$(rate "/p/o/$BRANCH")"
HEALTH_RPS="$(rate /healthz)"
python3 - "$HOME_RPS" "$BOARD_RPS" "$HEALTH_RPS" <<'PY'
import sys
home, board, health = map(float, sys.argv[1:])
print(f"/p/ {home:.0f} req/s, ratio {home/health:.2f}; /p/o/BRANCH {board:.0f} req/s, ratio {board/health:.2f}; /healthz {health:.0f} req/s")
PY

size() { curl -s -o /dev/null -w '%{size_download}' "$@"; }
HTML="$(size "$BASE/p/")"; CSS="$(size "$BASE/assets/site.css")"; ICON="$(size "$BASE/assets/icon.svg")"
GZ_HTML="$(size --compressed -H 'Accept-Encoding: gzip' "$BASE/p/")"
GZ_CSS="$(size --compressed -H 'Accept-Encoding: gzip' "$BASE/assets/site.css")"
echo "first load of /p/: html $HTML + css $CSS + icon $ICON = $((HTML + CSS + ICON)) bytes; on the wire with gzip: html $GZ_HTML + css $GZ_CSS + icon $ICON"
