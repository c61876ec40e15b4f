#!/usr/bin/env bash
# Ballot throughput (issue 5): wrk posts distinct valid codes to /api/v1/ballots for
# DURATION seconds, then the same load on /healthz; prints accepted ballots/s, p99 latency
# and the ratio of the two rates. SQLite by default; PG_URL=postgres://… for PostgreSQL.
# Also prints the server's CPU time per request of each run. HEALTHZ_LUA=1 builds the
# /healthz requests in Lua too (bench/healthz.lua), as the ballots are; the server takes
# TOKIO_WORKER_THREADS from the environment.
# DB_APART=1 (PostgreSQL): the server and wrk on the first core, every postgres process on
# the second, for both runs — the database on cores of its own, as in production.
# XIANFENG_BIN=path runs that binary as it is (to compare two builds, one after the other).
# Needs wrk (Debian: apt-get install wrk). Data goes to bench-data/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-30}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
CODES="${CODES:-1000000}"
PORT="${PORT:-18080}"
if [[ -n "${XIANFENG_BIN:-}" ]]; then
  BIN="$XIANFENG_BIN"
else
  BIN="${CARGO_TARGET_DIR:-target}/release/xianfeng"
  cargo build --release --bin xianfeng >/dev/null
fi
mkdir -p bench-data
WORK="$(mktemp -d bench-data/ballots.XXXX)"
if [[ -n "${PG_URL:-}" ]]; then
  SCHEMA="xf_bench_$$"
  psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA"
  DB="${PG_URL}?options=-c%20search_path%3D${SCHEMA}"
else
  DB="$WORK/x.db"
fi
X() { "$BIN" "$@" --db "$DB" --key-file "$WORK/x.key"; }

X init --password Pass-word-1 >/dev/null
PER=$(( (CODES + 99) / 100 ))
echo "issuing $((PER * 100)) codes…"
source bench/lib.sh
SECONDS=0
ballot_round "$WORK" 100 "$PER" "http://127.0.0.1:$PORT"
echo "  issued in ${SECONDS} s"
sed -i 's/-//g' "$WORK/codes.txt"

# One load generator is one address: no cap on its connections.
"$BIN" serve --addr "127.0.0.1:$PORT" --db "$DB" --key-file "$WORK/x.key" \
  --connections-per-address 0 >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
WRK=(wrk)
if [[ -n "${DB_APART:-}" && -n "${PG_URL:-}" ]]; then
  ALL="0-$(( $(nproc) - 1 ))"
  for p in $(pgrep -x postgres); do taskset -p -c 1 "$p" >/dev/null; done
  taskset -a -p -c 0 "$SERVER" >/dev/null
  WRK=(taskset -c 0 wrk)
  trap 'kill $SERVER 2>/dev/null || true; for p in $(pgrep -x postgres); do taskset -p -c "$ALL" "$p" >/dev/null; done' EXIT
fi
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
kill -0 $SERVER 2>/dev/null || { echo "the server did not start:"; cat "$WORK/server.log"; exit 1; }

cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
# The database's processes (PostgreSQL): their CPU time during the ballot run.
dbcpu() {
  if [[ -n "${PG_URL:-}" ]]; then
    for p in $(pgrep -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done |
      awk '{s += $1} END {print s + 0}'
  else echo 0; fi
}
echo "== POST /api/v1/ballots, ${DURATION}s, $THREADS threads, $CONNECTIONS connections"
cpu > "$WORK/cpu0"; dbcpu > "$WORK/db0"
"${WRK[@]}" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/ballots.lua \
  "http://127.0.0.1:$PORT" -- "$WORK/codes.txt" "$THREADS" | tee "$WORK/ballots.txt"
cpu > "$WORK/cpu1"; dbcpu > "$WORK/db1"
echo "== GET /healthz, same load"
if [[ -n "${HEALTHZ_LUA:-}" ]]; then
  "${WRK[@]}" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/healthz.lua \
    "http://127.0.0.1:$PORT" | tee "$WORK/healthz.txt"
else
  "${WRK[@]}" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    "http://127.0.0.1:$PORT/healthz" | tee "$WORK/healthz.txt"
fi
cpu > "$WORK/cpu2"

kill $SERVER; wait $SERVER 2>/dev/null || true
X eval verify "$ROUND"
python3 - "$WORK" "$DURATION" <<'PY'
import re, sys
work, duration = sys.argv[1], float(sys.argv[2])
def read(name):
    t = open(f"{work}/{name}").read()
    total = int(re.search(r"(\d+) requests in", t).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    p99 = re.search(r"99%\s+(\S+)", t).group(1)
    return total, int(bad.group(1)) if bad else 0, p99
b_total, b_bad, b_p99 = read("ballots.txt")
h_total, _, h_p99 = read("healthz.txt")
ticks = [float(open(f"{work}/cpu{i}").read()) for i in range(3)]
b_cpu, h_cpu = (ticks[1] - ticks[0]) / 100, (ticks[2] - ticks[1]) / 100
db_cpu = (float(open(f"{work}/db1").read()) - float(open(f"{work}/db0").read())) / 100
accepted = (b_total - b_bad) / duration
health = h_total / duration
print(f"accepted ballots/s: {accepted:,.0f} (refused {b_bad}), p99 {b_p99}")
print(f"healthz requests/s: {health:,.0f}, p99 {h_p99}")
print(f"ratio ballots/healthz: {accepted / health:.2f}")
print(f"server CPU per request: ballots {b_cpu / b_total * 1e6:.1f} us "
      f"({b_cpu / duration:.2f} cores), healthz {h_cpu / h_total * 1e6:.1f} us "
      f"({h_cpu / duration:.2f} cores)")
if db_cpu > 0:
    print(f"database CPU per ballot: {db_cpu / b_total * 1e6:.1f} us "
          f"({db_cpu / duration:.2f} cores)")
PY
if [[ -n "${PG_URL:-}" ]]; then psql "$PG_URL" -qc "DROP SCHEMA $SCHEMA CASCADE" 2>/dev/null; fi
