#!/usr/bin/env bash
# Three Herald nodes on one PostgreSQL, behind nginx, all on loopback.
#
#   examples/cluster/cluster.sh start [NODES]   starts PostgreSQL, the nodes and nginx; prints where they are
#   examples/cluster/cluster.sh stop            stops them all and deletes their data
#   examples/cluster/cluster.sh kill N          kill -9 node N (1-based), as a crash would
#
# It keeps its state in examples/cluster/.state (ignored by git). HERALD (a herald binary) and
# HERALD_JWT_KEY may be set; by default it builds herald and uses a fixed development key.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="$here/.state"
key="${HERALD_JWT_KEY:-herald-cluster-example-key-0123456789abcdef}"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
nginx_binary() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

start() {
    local nodes=${1:-3}
    if [ -d "$state" ]; then echo "already started; run: $0 stop" >&2; exit 1; fi
    if [ ! -x "$(nginx_binary)" ]; then
        echo "nginx is missing: apt-get install nginx" >&2
        exit 1
    fi
    local herald=${HERALD:-}
    if [ -z "$herald" ]; then
        (cd "$root" && swift build --product herald >&2)
        herald="$root/.build/debug/herald"
    fi
    mkdir -p "$state"
    chmod 777 "$state"  # nginx's workers may run as another user
    # The database: a throw-away PostgreSQL of its own (point HERALD_STORE at yours instead).
    local store=${HERALD_STORE:-}
    if [ -z "$store" ]; then
        eval "$(bash "$root/scripts/postgres.sh" start)"
        echo "$HERALD_TEST_POSTGRES_DIR" > "$state/postgres-dir"
        store=$HERALD_TEST_POSTGRES_URL
    fi
    echo "$store" > "$state/store"
    local upstreams=""
    for node in $(seq 1 "$nodes"); do
        local port
        port=$(free_port)
        "$herald" serve --port "$port" --store "$store" --jwt-key "$key" --anonymous --data-dir "$state/node-$node" \
            --log-level "${HERALD_LOG_LEVEL:-warning}" > "$state/node-$node.log" 2>&1 &
        echo $! > "$state/node-$node.pid"
        echo "$port" > "$state/node-$node.port"
        upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
    done
    local port
    port=$(free_port)
    echo "$port" > "$state/nginx.port"
    python3 - "$here/nginx.conf.template" "$state/nginx.conf" "$state" "$port" "$upstreams" <<'PY'
import sys
template, target, state, port, upstreams = sys.argv[1:]
text = open(template).read().replace("@STATE@", state).replace("@PORT@", port).replace("@UPSTREAMS@", upstreams.rstrip("\n"))
open(target, "w").write(text)
PY
    "$(nginx_binary)" -p "$state" -c "$state/nginx.conf" > "$state/nginx.log" 2>&1 &
    echo $! > "$state/nginx.pid.wrapper"
    # Ready when every node answers its health check, and nginx answers too.
    for node in $(seq 1 "$nodes"); do
        wait_for "http://127.0.0.1:$(cat "$state/node-$node.port")/healthz" "node $node" "$state/node-$node.log"
    done
    wait_for "http://127.0.0.1:$port/healthz" "nginx" "$state/nginx-error.log"
    local token
    token=$("$herald" token --jwt-key "$key" --publish '*' --subscribe '*')
    echo "$token" > "$state/token"
    cat <<TEXT
Herald cluster: $nodes nodes on PostgreSQL, behind nginx (round robin).
  Through nginx:  http://127.0.0.1:$port/   (the demo page; its hub panel subscribes to https://example.com/demo)
  Nodes:          $(for node in $(seq 1 "$nodes"); do printf 'http://127.0.0.1:%s/  ' "$(cat "$state/node-$node.port")"; done)
  Publisher token: $token
  Publish on node 1, to whoever is subscribed through nginx:
    curl -d 'topic=https://example.com/demo' -d 'data=Hello from node 1' -H 'Authorization: Bearer $token' http://127.0.0.1:$(cat "$state/node-1.port")/.well-known/mercure
TEXT
}

wait_for() {  # URL WHAT LOG
    for _ in $(seq 1 200); do
        if curl -sf "$1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "$2 did not start; its log:" >&2
    cat "$3" >&2 || true
    exit 1
}

stop() {
    [ -d "$state" ] || exit 0
    for pidfile in "$state"/node-*.pid "$state"/nginx.pid.wrapper; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 0.5
    for pidfile in "$state"/node-*.pid "$state"/nginx.pid.wrapper; do
        [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    done
    if [ -f "$state/postgres-dir" ]; then bash "$root/scripts/postgres.sh" stop "$(cat "$state/postgres-dir")" >/dev/null 2>&1 || true; fi
    rm -rf "$state"
}

case "${1:-}" in
start) start "${2:-3}" ;;
stop) stop ;;
kill) kill -9 "$(cat "$state/node-${2:?which node}.pid")" ;;
*) echo "usage: cluster.sh start [NODES] | stop | kill N" >&2; exit 2 ;;
esac
