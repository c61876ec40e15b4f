#!/usr/bin/env bash
# The cluster test (issue 22, docs/CLUSTER.md), in CI: three servers started at once on a
# fresh database migrate once; then the whole cluster (cluster.sh) takes ballots through
# nginx while one instance is killed with SIGKILL and started again (check.py); afterwards
# the evaluation and the audit trail verify. Needs the debug binary (cargo build).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DIR="${DIR:-$(mktemp -d /tmp/xianfeng-cluster.XXXX)}"
chmod 755 "$DIR"
export BIN="${BIN:-target/debug/xianfeng}"
export PG_PORT="${PG_PORT:-55432}" PORT="${PORT:-18100}" PASSWORD="${PASSWORD:-Pass-word-1}"
CLUSTER=deploy/cluster/cluster.sh
DB="postgres://postgres@127.0.0.1:${PG_PORT}/xianfeng"
X() { "$BIN" "$@" --db "$DB" --key-file "$DIR/xianfeng.key"; }

trap 'bash $CLUSTER stop >/dev/null 2>&1 || true' EXIT
bash "$CLUSTER" start

echo "== three servers started at once on a fresh database"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE fresh"
FRESH="postgres://postgres@127.0.0.1:${PG_PORT}/fresh"
pids=()
for n in 1 2 3; do
  "$BIN" serve --addr "127.0.0.1:$((PORT + 10 + n))" --db "$FRESH" --key-file "$DIR/xianfeng.key" \
    >"$DIR/fresh-$n.log" 2>&1 &
  pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 10 + n))/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$((PORT + 10 + n))/readyz" >/dev/null || {
    echo "FAIL  server $n on the fresh database did not start:"; cat "$DIR/fresh-$n.log"; exit 1; }
done
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
applied="$(psql "$FRESH" -qAtc "SELECT COUNT(*) || '/' || COUNT(DISTINCT version) FROM schema_migrations")"
latest="$(grep -cE '^ +version: [0-9]+,' crates/storage/src/migrate.rs)"
[[ "$applied" == "$latest/$latest" ]] || { echo "FAIL  migrations applied: $applied (want $latest/$latest)"; exit 1; }
echo "ok    all three started; each of the $latest migrations applied once"

echo "== a round of ballot codes"
source bench/lib.sh
ballot_round "$DIR" 20 "${PER_SUBJECT:-300}" "http://127.0.0.1:$PORT"
X user add office --role office --org R --password "$PASSWORD" >/dev/null
X user add leader --role reviewer --org R --password "$PASSWORD" >/dev/null
B1_ID="$(psql "$DB" -qAtc "SELECT id FROM organisations WHERE code = 'B1'")"
export B1_ID

echo "== load through the balancer, one instance killed and restarted; a review's way to the scores"
python3 deploy/cluster/check.py "$PORT" "$DIR/codes.txt" "$CLUSTER"

echo "== afterwards"
X eval verify "$ROUND"
X audit verify
echo "cluster test passed"
