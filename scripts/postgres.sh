#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and examples: its own cluster in a temporary directory, on a free
# loopback port, with a password user, stopped and deleted by `stop`. Installs Debian's postgresql
# when it is missing.
#
#   eval "$(scripts/postgres.sh start)"    prints: export HERALD_TEST_POSTGRES_URL=… HERALD_TEST_POSTGRES_DIR=…
#   scripts/postgres.sh stop DIR           stops that cluster and deletes DIR
#   scripts/postgres.sh pause DIR          stops the server but keeps its data (a database outage)
#   scripts/postgres.sh resume DIR         starts it again on the same port
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# initdb refuses to run as root: as root, the cluster belongs to Debian's postgres user.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin_dir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
        as_root apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q postgresql >&2
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    echo "$found"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

server() {  # server DIR start|stop
    local dir=$1 action=$2 bin port
    bin=$(cat "$dir/bin")
    port=$(cat "$dir/port")
    if [ "$action" = start ]; then
        # fsync off: a test database need not survive a power cut, and fsync is what makes it slow.
        # HERALD_POSTGRES_DURABLE=1 keeps PostgreSQL's defaults, for benchmarks.
        local durability="-c fsync=off -c synchronous_commit=off"
        if [ "${HERALD_POSTGRES_DURABLE:-0}" = 1 ]; then durability=""; fi
        as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=300" start >&2
    else
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || true
    fi
}

case "${1:-}" in
start)
    bin=$(bin_dir)
    dir=$(mktemp -d /tmp/herald-postgres.XXXXXX)
    chmod 755 "$dir"
    echo "$bin" > "$dir/bin"
    free_port > "$dir/port"
    echo herald > "$dir/password"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U herald --pwfile="$dir/password" --auth-host=scram-sha-256 --auth-local=trust \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    server "$dir" start
    echo "export HERALD_TEST_POSTGRES_URL='postgres://herald:herald@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable'"
    echo "export HERALD_TEST_POSTGRES_DIR='$dir'"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    [ -d "$dir" ] || exit 0
    server "$dir" stop
    rm -rf "$dir"
    ;;
pause)
    server "${2:?usage: postgres.sh pause DIR}" stop
    ;;
resume)
    server "${2:?usage: postgres.sh resume DIR}" start
    ;;
*)
    echo "usage: postgres.sh start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
