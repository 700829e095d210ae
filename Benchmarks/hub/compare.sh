#!/usr/bin/env bash
# Herald against nchan, side by side, on loopback: scenarios (a) fan-out at a fixed rate, (b) idle
# subscribers' memory, (c) publishing as fast as possible, (e0/e) readers alone and beside 2,000
# subscribers that never read, (f) the same readers beside a flood on another topic, alternating
# the two servers, ROUNDS times (default 3); then (d) 19,000 idle subscribers on Herald. Writes the
# medians and the ratios
# Herald/nchan to Benchmarks/README.md and a plot to Benchmarks/hub/hub-comparison.png.
#
#   Benchmarks/hub/compare.sh            ROUNDS=1 Benchmarks/hub/compare.sh (a quick look)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds="${ROUNDS:-3}"
results="$root/Benchmarks/.results/hub"
run_dir=$(mktemp -d /tmp/herald-compare.XXXXXX)
rm -rf "$results"; mkdir -p "$results"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q nginx libnginx-mod-nchan
fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -c "import matplotlib" 2>/dev/null || .venv/bin/pip install -q matplotlib

echo "== Building herald (release, .build-release)"
# A failed build must stop the comparison: the old binary would be measured without a word.
herald=$(bash scripts/build-release.sh "$results/build.log")

ulimit -n "$(ulimit -Hn)"
nchan_port=18581
herald_port=18582
secret="compare-sh-secret-0123456789abcdef0123456789"

echo "== Starting nchan on $nchan_port"
mkdir -p "$run_dir/nchan"
sed -e "s#RUN_DIR#$run_dir/nchan#g" -e "s#PORT#$nchan_port#g" Benchmarks/hub/nchan.conf.template > "$run_dir/nchan/nginx.conf"
nginx -p "$run_dir/nchan" -c "$run_dir/nchan/nginx.conf" &
nchan_master=$!
# One thread serving connections, as nchan's one nginx worker.
echo "== Starting herald on $herald_port"
"$herald" serve --event-loops 1 --port "$herald_port" --data-dir "$run_dir/herald-data" --jwt-key "$secret" --anonymous --log-level warning > "$run_dir/herald.log" 2>&1 &
herald_pid=$!
cleanup() { kill "$herald_pid" "$nchan_master" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 300); do
    if port_open "$herald_port" && port_open "$nchan_port"; then break; fi
    sleep 0.1
done
nchan_worker=$(pgrep -P "$nchan_master" | head -1)
token=$("$herald" token --jwt-key "$secret" --publish '*')

bench() {  # bench SERVER SCENARIO ROUND ARGS...
    local server=$1 scenario=$2 round=$3; shift 3
    local topic="https://example.com/bench/$scenario-$round"
    local target
    if [ "$server" = nchan ]; then
        target=(--protocol nchan --subscribe-url "http://127.0.0.1:$nchan_port/sub?id={topic}"
                --publish-url "http://127.0.0.1:$nchan_port/pub?id={topic}" --server-pid "$nchan_worker")
    else
        target=(--protocol mercure --subscribe-url "http://127.0.0.1:$herald_port/.well-known/mercure?topic={topic}"
                --publish-url "http://127.0.0.1:$herald_port/.well-known/mercure" --token "$token" --server-pid "$herald_pid")
    fi
    echo "-- $scenario, $server, round $round"
    "$herald" bench "${target[@]}" --topic "$topic" --label "$scenario $server $round" --json "$@" \
        > "$results/$scenario-$server-$round.json" 2> "$results/$scenario-$server-$round.log"
    sleep 1
}

for round in $(seq 1 "$rounds"); do
    for server in nchan herald; do
        bench "$server" a "$round" --subscribers 1000 --messages 1000 --rate 200
        bench "$server" b "$round" --subscribers 10000 --idle 5
        bench "$server" c "$round" --subscribers 100 --messages 1000000 --duration 10 --publish-connections 4
        # Isolation: 100 readers of 3,000 updates of 2 KB at 200/s, alone (e0) and beside 2,000
        # subscribers of the same topic that never read (e); the readers' p99 and the server's memory.
        bench "$server" e0 "$round" --subscribers 100 --messages 3000 --rate 200 --message-bytes 2048
        bench "$server" e "$round" --subscribers 100 --messages 3000 --rate 200 --message-bytes 2048 --stalled 2000
        # And beside 4 connections publishing to another topic as fast as the server answers (f).
        bench "$server" f "$round" --subscribers 100 --messages 3000 --rate 200 --message-bytes 2048 --flood 4
    done
done
bench herald d 1 --subscribers 19000 --idle 5

.venv/bin/python Benchmarks/hub/summarize.py "$results" "$rounds" Benchmarks/README.md Benchmarks/hub/hub-comparison.png
