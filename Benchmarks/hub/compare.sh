#!/usr/bin/env bash
# Herald against nchan, side by side on loopback, measured by two generators:
#   - ssebench, the independent C epoll generator in ../shared/tools/ssebench (SSEBENCH_DIR);
#   - herald bench, Herald's own (HeraldBench), which also drives the isolation scenarios.
# Scenarios (each on a fresh process of each server, with fresh history):
#   a   1,000 subscribers × 1,000 messages at 200/s over 4 publish connections    (both generators)
#   b   10,000 idle subscribers for 5 s: memory per connection                     (both)
#   c1  100 subscribers, publishing as fast as answered for 10 s, 1 connection     (both)
#   c4  the same over 4 publish connections                                         (both)
#   e0  100 readers of 3,000 updates of 2 KB at 200/s                              (both)
#   e   the same beside 2,000 subscribers of the topic that never read              (both)
#   f   the readers of e0 beside 4 connections flooding another topic               (both)
# (with ssebench, the stalled subscribers of e are herald bench's and the flood of f a second
# ssebench's, each a process of its own beside ssebench's readers: scenarios.sh's start_disturbance)
# then d, 19,000 idle subscribers on Herald alone. The servers alternate, the order flips every
# round, ROUNDS times (default 3). Each serves connections on one thread (one nginx worker;
# `herald serve --event-loops 1`). Writes both tables (medians, ranges, ratios Herald/nchan) to
# Benchmarks/README.md and a plot to Benchmarks/hub/hub-comparison.png.
#
#   Benchmarks/hub/compare.sh          ROUNDS=1 SCENARIOS="c1 c4" Benchmarks/hub/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
source Benchmarks/scenarios.sh
rounds="${ROUNDS:-3}"
scenarios="${SCENARIOS:-a b c1 c4 e0 e f}"
ssebench_dir=${SSEBENCH_DIR:-$root/../shared/tools/ssebench}
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

echo "== Building herald (release, .build-release) and ssebench"
# A failed build must stop the comparison: the old binary would be measured without a word.
herald=$(bash scripts/build-release.sh "$results/build.log")
make -s -C "$ssebench_dir" >/dev/null
ssebench="$ssebench_dir/ssebench"
"$herald" --version > "$results/herald-version.txt" 2>&1 || true
git rev-parse --short HEAD > "$results/commit.txt"

ulimit -n "$(ulimit -Hn)"
nchan_port=18581
herald_port=18582
secret="compare-sh-secret-0123456789abcdef0123456789"
token=$("$herald" token --jwt-key "$secret" --publish '*')
server_pid=
server_kind=

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap 'stop_disturbance; stop_server; rm -rf "$run_dir"' EXIT

# Starts SERVER on a fresh process and fresh history; sets server_pid to the process that serves
# connections (nchan's one worker, herald itself), for the generators' CPU and memory readings.
start_server() {  # start_server nchan|herald
    local port
    rm -rf "$run_dir/nchan" "$run_dir/herald-data"
    if [ "$1" = nchan ]; then
        port=$nchan_port
        mkdir -p "$run_dir/nchan"
        sed -e "s#RUN_DIR#$run_dir/nchan#g" -e "s#PORT#$nchan_port#g" Benchmarks/hub/nchan.conf.template > "$run_dir/nchan/nginx.conf"
        nginx -p "$run_dir/nchan" -c "$run_dir/nchan/nginx.conf" > "$run_dir/nchan.log" 2>&1 &
    else
        port=$herald_port
        "$herald" serve --event-loops 1 --port "$herald_port" --data-dir "$run_dir/herald-data" --jwt-key "$secret" \
            --anonymous --log-level warning > "$run_dir/herald.log" 2>&1 &
    fi
    server_pid=$!
    server_kind=$1
    for _ in $(seq 1 300); do
        if port_open "$port"; then break; fi
        sleep 0.1
    done
    port_open "$port" || { echo "$1 did not start" >&2; cat "$run_dir/$1.log" >&2; exit 1; }
    measured_pid=$server_pid
    if [ "$1" = nchan ]; then measured_pid=$(pgrep -P "$server_pid" | head -1); fi
}

# The two servers' URLs, for the generator at hand.
urls() {  # urls SERVER -> sets sub_url pub_url
    if [ "$1" = nchan ]; then
        sub_url="http://127.0.0.1:$nchan_port/sub?id={topic}"
        pub_url="http://127.0.0.1:$nchan_port/pub?id={topic}"
    else
        sub_url="http://127.0.0.1:$herald_port/.well-known/mercure?topic={topic}"
        pub_url="http://127.0.0.1:$herald_port/.well-known/mercure"
    fi
}

run_ssebench() {  # run_ssebench SERVER SCENARIO ROUND
    local server=$1 scenario=$2 round=$3 shape publish
    local topic="https://example.com/bench/$scenario-$round"
    ssebench_shape "$scenario" || return 0
    urls "$server"
    if [ "$server" = nchan ]; then
        topic="$scenario-$round"
        publish=()
        bench_target=(--protocol nchan)
    else
        ssebench_mercure_publish "$token"
        bench_target=(--protocol mercure --token "$token")
    fi
    echo "-- ssebench $scenario, $server, round $round"
    start_disturbance "$scenario" "$topic" "$results/beside-$scenario-$server-$round.log"
    "$ssebench" --sub-url "$sub_url" --pub-url "$pub_url" "${publish[@]}" --server-pid "$measured_pid" \
        --topic "$topic" --label "$scenario $server $round" --json "$results/ssebench-$scenario-$server-$round.jsonl" \
        "${shape[@]}" > "$results/ssebench-$scenario-$server-$round.log" 2>&1 || true
    stop_disturbance
}

run_herald_bench() {  # run_herald_bench SERVER SCENARIO ROUND
    local server=$1 scenario=$2 round=$3 shape
    local topic="https://example.com/bench/$scenario-$round"
    herald_bench_shape "$scenario"
    urls "$server"
    local target=(--protocol "$([ "$server" = nchan ] && echo nchan || echo mercure)" --subscribe-url "$sub_url"
                  --publish-url "$pub_url" --server-pid "$measured_pid")
    if [ "$server" = herald ]; then target+=(--token "$token"); fi
    echo "-- herald bench $scenario, $server, round $round"
    "$herald" bench "${target[@]}" --topic "$topic" --label "$scenario $server $round" --json "${shape[@]}" \
        > "$results/hb-$scenario-$server-$round.json" 2> "$results/hb-$scenario-$server-$round.log" || true
}

measure() {  # measure SERVER SCENARIO ROUND: each generator on a fresh process of the server
    local server=$1 scenario=$2 round=$3
    case $scenario in
        a | b | c1 | c4 | e0 | e | f)
            start_server "$server"; run_ssebench "$server" "$scenario" "$round"; stop_server; sleep 2 ;;
    esac
    start_server "$server"; run_herald_bench "$server" "$scenario" "$round"; stop_server; sleep 2
}

for round in $(seq 1 "$rounds"); do
    order=(nchan herald)
    if [ $((round % 2)) -eq 0 ]; then order=(herald nchan); fi
    for scenario in $scenarios; do
        for server in "${order[@]}"; do measure "$server" "$scenario" "$round"; done
    done
done
if [[ " $scenarios " == *" b "* ]]; then
    start_server herald; run_herald_bench herald d 1; stop_server
fi

.venv/bin/python Benchmarks/hub/summarize.py "$results" "$rounds" Benchmarks/README.md Benchmarks/hub/hub-comparison.png
