#!/usr/bin/env bash
# A Herald cluster (three nodes on one PostgreSQL) beside a single SQLite node, in one run, on
# loopback, measured with `herald bench`:
#   fan-out  1,000 subscribers (spread over the nodes), 1,000 publishes/s to node 1 on 8 connections for 5 s:
#            publish→receive latency across nodes, deliveries/s, lost
#   publish  30 subscribers, publishing as fast as answered on 64 connections for 10 s:
#            the highest sustained publishes/s with nothing lost
# PostgreSQL runs with its durable defaults (fsync, synchronous_commit), as in production. Its CPU per
# publish is read from /proc for all its processes. Writes Benchmarks/.results/cluster/table.md.
#
#   bash Benchmarks/cluster/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
results="$root/Benchmarks/.results/cluster"
rm -rf "$results"; mkdir -p "$results"
run_dir=$(mktemp -d /tmp/herald-cluster-bench.XXXXXX)

echo "== Building herald (release, .build-release)"
herald=$(bash scripts/build-release.sh "$results/build.log")
ulimit -n "$(ulimit -Hn)"
secret="cluster-bench-secret-0123456789abcdef0123456789"
token=$("$herald" token --jwt-key "$secret" --publish '*')

echo "== Starting PostgreSQL (durable defaults)"
eval "$(HERALD_POSTGRES_DURABLE=1 bash scripts/postgres.sh start)"
pg_dir=$HERALD_TEST_POSTGRES_DIR
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    HERALD_POSTGRES_DURABLE=1 bash scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
start_node() {  # start_node NAME STORE → prints PORT PID
    local port
    port=$(free_port)
    "$herald" serve --port "$port" --store "$2" --jwt-key "$secret" --anonymous --no-subscriptions \
        --history-size 0 --history-max-age 0 --log-level warning > "$run_dir/$1.log" 2>&1 &
    local pid=$!
    wait_port "$port"
    echo "$port $pid"
}
# The CPU seconds of every PostgreSQL process (the server and its backends), from /proc.
postgres_cpu() {
    local ticks total=0
    ticks=$(getconf CLK_TCK)
    for pid in $(pgrep -u postgres postgres || true); do
        total=$(awk -v t="$total" -v k="$ticks" '{ split($0, a, ") "); split(a[2], f, " "); printf "%.4f", t + (f[12] + f[13]) / k }' "/proc/$pid/stat" 2>/dev/null || echo "$total")
    done
    echo "$total"
}

read -r sqlite_port sqlite_pid < <(start_node sqlite "sqlite:$run_dir/single/herald.sqlite")
pids+=("$sqlite_pid")
cluster_ports=(); cluster_pids=()
for node in 1 2 3; do
    read -r port pid < <(start_node "node-$node" "$HERALD_TEST_POSTGRES_URL")
    cluster_ports+=("$port"); cluster_pids+=("$pid"); pids+=("$pid")
done

bench() {  # bench NAME SETUP ARGS...
    local name=$1 setup=$2; shift 2
    local targets=() pid_args=()
    if [ "$setup" = sqlite ]; then
        targets=(--subscribe-url "http://127.0.0.1:$sqlite_port/.well-known/mercure?topic={topic}")
        pid_args=(--server-pid "$sqlite_pid")
        publish="http://127.0.0.1:$sqlite_port/.well-known/mercure"
    else
        for index in 0 1 2; do
            targets+=(--subscribe-url "http://127.0.0.1:${cluster_ports[$index]}/.well-known/mercure?topic={topic}")
            pid_args+=(--server-pid "${cluster_pids[$index]}")
        done
        publish="http://127.0.0.1:${cluster_ports[0]}/.well-known/mercure"
    fi
    local pg_before pg_after
    pg_before=$(postgres_cpu)
    "$herald" bench "${targets[@]}" --publish-url "$publish" --token "$token" "${pid_args[@]}" \
        --topic "https://example.com/bench/$name-$setup" --label "$name $setup" --json "$@" > "$results/$name-$setup.json"
    pg_after=$(postgres_cpu)
    python3 - "$results/$name-$setup.json" "$pg_before" "$pg_after" <<'PY'
import json, sys
path, before, after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
report = json.load(open(path))
report["postgresCPUSeconds"] = after - before
json.dump(report, open(path, "w"))
PY
    echo "   $name $setup: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["published"], "published,", r["delivered"], "delivered,", r["lost"], "lost")' "$results/$name-$setup.json")"
}

echo "== Fan-out: 1,000 subscribers, 1,000 publishes/s for 5 s"
for setup in sqlite cluster sqlite cluster; do
    bench "fanout-$RANDOM" "$setup" --subscribers 1000 --messages 5000 --rate 1000 --publish-connections 8 --drain 10
done
echo "== Publishing as fast as answered: 64 connections, 30 subscribers, 10 s"
for setup in sqlite cluster sqlite cluster; do
    bench "publish-$RANDOM" "$setup" --subscribers 30 --messages 200000 --rate 0 --duration 10 --publish-connections 64 --drain 10
done

python3 "$root/Benchmarks/cluster/summarize.py" "$results" | tee "$results/table.md"
