#!/usr/bin/env bash
# Ballots through the balancer (issue 22): the cluster of deploy/cluster (PostgreSQL primary
# and standby, three servers, nginx) with the release binary; wrk posts distinct valid codes
# through nginx for DURATION seconds to three instances, then to one (the two others
# stopped), each followed by the same load on /healthz through nginx. Prints accepted
# ballots/s and the ratio to /healthz for each. On one 2-core machine the three instances,
# nginx, PostgreSQL and wrk share the cores: the figures show the cost of the cluster, not
# its scale (docs/PERFORMANCE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-64}"
CODES_PER_BRANCH="${CODES_PER_BRANCH:-10000}"
export DIR="${DIR:-$(mktemp -d /tmp/xianfeng-bench-cluster.XXXX)}"
chmod 755 "$DIR"
export BIN="target/release/xianfeng" PG_PORT="${PG_PORT:-56432}" PORT="${PORT:-19100}"
CLUSTER=deploy/cluster/cluster.sh
cargo build --release --bin xianfeng >/dev/null
DB="postgres://postgres@127.0.0.1:${PG_PORT}/xianfeng"
X() { "$BIN" "$@" --db "$DB" --key-file "$DIR/xianfeng.key"; }
trap 'bash $CLUSTER stop >/dev/null 2>&1 || true' EXIT
bash "$CLUSTER" start >/dev/null

source bench/lib.sh
ballot_round "$DIR" 40 "$CODES_PER_BRANCH" "http://127.0.0.1:$PORT"
sed -i 's/-//g' "$DIR/codes.txt"
split -n l/2 -d "$DIR/codes.txt" "$DIR/half."

run() { # label, codes file
  echo "== $1: POST /api/v1/ballots through nginx, ${DURATION}s, $CONNECTIONS connections"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/ballots.lua \
    "http://127.0.0.1:$PORT" -- "$2" 2 > "$DIR/$1-ballots.txt"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/healthz" \
    > "$DIR/$1-healthz.txt"
  python3 - "$DIR" "$1" "$DURATION" <<'PY'
import re, sys
d, label, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
def read(n):
    t = open(f"{d}/{label}-{n}.txt").read()
    total = int(re.search(r"(\d+) requests in", t).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return total - (int(bad.group(1)) if bad else 0), re.search(r"99%\s+(\S+)", t).group(1)
b, bp99 = read("ballots")
h, hp99 = read("healthz")
print(f"{label}: {b / duration:,.0f} ballots/s (p99 {bp99}), /healthz {h / duration:,.0f}/s "
      f"(p99 {hp99}), ratio {b / h:.2f}")
PY
}

run three "$DIR/half.00"
for n in 2 3; do kill "$(cat "$DIR/serve-$n.pid")"; rm -f "$DIR/serve-$n.pid"; done
sleep 3 # nginx notices the two are gone at the first refused connection
run one "$DIR/half.01"
X eval verify "$ROUND"
