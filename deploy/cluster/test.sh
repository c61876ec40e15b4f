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
{
  echo "组织编码,组织名称,上级组织编码,组织类别"
  echo "R,中共测试区委员会,,县(市、区)委"
  for i in $(seq 1 20); do echo "B$i,第${i}党支部,R,党支部"; done
} > "$DIR/orgs.csv"
X import orgs "$DIR/orgs.csv" >/dev/null
TODAY="$(date +%F)"
ROUND="$(X eval round create --name cluster --scope R --subjects organisations --mode codes \
  --start "$TODAY" --end "$TODAY" | tail -1)"
X eval codes "$ROUND" --per-subject "${PER_SUBJECT:-300}" --out "$DIR/codes.csv" \
  --base-url "http://127.0.0.1:$PORT" >/dev/null
tail -n +2 "$DIR/codes.csv" | cut -d, -f3 > "$DIR/codes.txt"

echo "== load through the balancer, one instance killed and restarted"
python3 deploy/cluster/check.py "$PORT" "$DIR/codes.txt" "$CLUSTER"

echo "== afterwards"
X eval verify "$ROUND"
X audit verify
echo "cluster test passed"
