#!/usr/bin/env bash
# A xianfeng cluster on one machine, from Debian's packages (docs/CLUSTER.md):
# PostgreSQL primary and one streaming standby (pg_basebackup), three `xianfeng serve`
# instances, and nginx in front of them.
#
#   deploy/cluster/cluster.sh start    # builds nothing: BIN names the binary
#   deploy/cluster/cluster.sh status
#   deploy/cluster/cluster.sh stop     # stops everything; DIR stays for its logs
#   deploy/cluster/cluster.sh serve N  # (re)starts instance N (1–3) alone
#
# Settings (environment): DIR (default /tmp/xianfeng-cluster), BIN (default
# target/debug/xianfeng), PG_PORT (55432; the standby takes the next), PORT (18100: nginx;
# the instances take the next three), PASSWORD (of the administrator, Pass-word-1).
# Runs as root (it starts PostgreSQL as the `postgres` user) or as the user owning DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

DIR="${DIR:-/tmp/xianfeng-cluster}"
BIN="$(realpath "${BIN:-target/debug/xianfeng}")"
PG_PORT="${PG_PORT:-55432}"
STANDBY_PORT=$((PG_PORT + 1))
PORT="${PORT:-18100}"
PASSWORD="${PASSWORD:-Pass-word-1}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
DB_URL="postgres://postgres@127.0.0.1:${PG_PORT}/xianfeng"
READ_URL="postgres://postgres@127.0.0.1:${STANDBY_PORT}/xianfeng"

# Runs a PostgreSQL program as the owner of the data directories.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need() {
  local missing=()
  [[ -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  [[ -x "$BIN" ]] || { echo "no xianfeng binary at $BIN (cargo build --bin xianfeng)" >&2; exit 1; }
}

wait_for() { # URL or pg port, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    if [[ "$1" == http* ]]; then curl -sf "$1" >/dev/null && return 0
    else "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0; fi
    sleep 0.1
  done
  echo "$1 did not come up" >&2
  return 1
}

start_postgres() {
  mkdir -p "$DIR/pg"
  chown postgres "$DIR/pg" 2>/dev/null || true
  if [[ ! -d "$DIR/pg/primary" ]]; then
    # Byte order for text, as xianfeng needs (docs/CLUSTER.md).
    as_pg "$PG_BIN/initdb" -D "$DIR/pg/primary" -U postgres --auth=trust \
      --locale=C.UTF-8 --lc-collate=C >/dev/null
    cat >> "$DIR/pg/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$DIR/pg'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 100
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >> "$DIR/pg/primary/pg_hba.conf"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg/primary" -l "$DIR/pg/primary.log" -w start >/dev/null
  wait_for "$PG_PORT" 20
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAtc \
    "SELECT 1 FROM pg_database WHERE datname = 'xianfeng'" | grep -q 1 ||
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres xianfeng
  if [[ ! -d "$DIR/pg/standby" ]]; then
    # A copy of the primary that follows its WAL (-R writes standby.signal and the
    # connection to the primary).
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
      -D "$DIR/pg/standby" -R -X stream -c fast
    cat >> "$DIR/pg/standby/postgresql.conf" <<EOF
port = $STANDBY_PORT
EOF
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg/standby" -l "$DIR/pg/standby.log" -w start >/dev/null
  wait_for "$STANDBY_PORT" 20
}

# Starts instance $1 in the background; its pid in DIR/serve-N.pid, its log beside it.
serve() {
  local n="$1" port=$((PORT + $1))
  "$BIN" serve --no-migrate --addr "127.0.0.1:$port" --db "$DB_URL" --read-db "$READ_URL" \
    --key-file "$DIR/xianfeng.key" \
    --trusted-proxies 127.0.0.1 --public-url "http://127.0.0.1:$PORT" \
    --connections-per-address 0 >>"$DIR/serve-$n.log" 2>&1 &
  echo $! > "$DIR/serve-$n.pid"
  wait_for "http://127.0.0.1:$port/readyz" 30
}

start_nginx() {
  cat > "$DIR/nginx.conf" <<EOF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx-body;
    proxy_temp_path $DIR/nginx-proxy;
    upstream xianfeng {
        server 127.0.0.1:$((PORT + 1)) max_fails=1 fail_timeout=2s;
        server 127.0.0.1:$((PORT + 2)) max_fails=1 fail_timeout=2s;
        server 127.0.0.1:$((PORT + 3)) max_fails=1 fail_timeout=2s;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$PORT;
        client_max_body_size 25m;
        location / {
            proxy_pass http://xianfeng;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Request-Id \$request_id;
            # An instance that died mid-request: the request goes to the next one only
            # when nothing was sent yet (never a POST that may have been taken).
            proxy_next_upstream error timeout;
        }
    }
}
EOF
  nginx -c "$DIR/nginx.conf" -p "$DIR" 2>>"$DIR/nginx-error.log"
  wait_for "http://127.0.0.1:$PORT/healthz" 10
}

stop_pid() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

case "${1:-}" in
  start)
    need
    mkdir -p "$DIR"
    start_postgres
    [[ -f "$DIR/xianfeng.key" ]] || {
      "$BIN" init --password "$PASSWORD" --db "$DB_URL" --key-file "$DIR/xianfeng.key" >"$DIR/init.log"
    }
    "$BIN" migrate --db "$DB_URL" --key-file "$DIR/xianfeng.key" >>"$DIR/init.log"
    for n in 1 2 3; do serve "$n"; done
    start_nginx
    echo "cluster up: http://127.0.0.1:$PORT (instances $((PORT + 1))–$((PORT + 3)));" \
      "primary $DB_URL, standby $READ_URL; logs in $DIR"
    ;;
  serve)
    need
    stop_pid "$DIR/serve-$2.pid"
    serve "$2"
    ;;
  status)
    for n in 1 2 3; do
      printf 'instance %s: ' "$n"
      curl -sf "http://127.0.0.1:$((PORT + n))/readyz" || printf 'down'
      echo
    done
    printf 'balancer: '; curl -sf "http://127.0.0.1:$PORT/readyz" || printf 'down'; echo
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -qAtc \
      "SELECT 'standby replaying: ' || pg_is_in_recovery()" 2>/dev/null || echo "standby: down"
    ;;
  stop)
    [[ -f "$DIR/nginx.pid" ]] && nginx -c "$DIR/nginx.conf" -p "$DIR" -s stop 2>/dev/null || true
    for n in 1 2 3; do stop_pid "$DIR/serve-$n.pid"; done
    for node in standby primary; do
      [[ -d "$DIR/pg/$node" ]] && as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg/$node" -m fast -w stop >/dev/null 2>&1 || true
    done
    echo "cluster stopped; logs in $DIR"
    ;;
  *)
    sed -n '2,15p' "$0"
    exit 2
    ;;
esac
