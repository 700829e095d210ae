#!/usr/bin/env bash
# Two builds of herald side by side, for a change to the hot path: BEFORE and AFTER alternate (the
# order flips every round), ROUNDS times (default 3), each scenario on a fresh process with fresh
# history and one event loop, measured by two generators:
#   - ssebench, the independent C generator in ../shared/tools/ssebench: scenarios a (1,000
#     subscribers × 1,000 messages at 200/s, 4 publish connections), c1 and c4 (100 subscribers,
#     publishing as fast as answered for 10 s on 1 or 4 connections);
#   - herald bench: scenario c (as c4).
# Prints medians, ranges and the ratios AFTER/BEFORE, and writes them to RESULTS/summary.md.
#
#   Benchmarks/before-after/run.sh BEFORE_BINARY AFTER_BINARY [RESULTS_DIR]
#   (build each with scripts/build-release.sh in a worktree of its commit)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
source Benchmarks/scenarios.sh
before=$(realpath "$1")
after=$(realpath "$2")
results=${3:-$root/Benchmarks/.results/before-after}
rounds=${ROUNDS:-3}
scenarios=${SCENARIOS:-"a c1 c4 hc"}
ssebench_dir=${SSEBENCH_DIR:-$root/../shared/tools/ssebench}
rm -rf "$results"; mkdir -p "$results"
run_dir=$(mktemp -d /tmp/herald-before-after.XXXXXX)

make -s -C "$ssebench_dir" >/dev/null
ssebench="$ssebench_dir/ssebench"
ulimit -n "$(ulimit -Hn)"
port=18590
secret="before-after-secret-0123456789abcdef0123456789"
token=$("$after" token --jwt-key "$secret" --publish '*')
hub="http://127.0.0.1:$port/.well-known/mercure"
herald_pid=
stop_herald() { if [ -n "$herald_pid" ]; then kill "$herald_pid" 2>/dev/null || true; wait "$herald_pid" 2>/dev/null || true; herald_pid=; fi; }
trap 'stop_herald; rm -rf "$run_dir"' EXIT

start_herald() {  # start_herald BINARY
    rm -rf "$run_dir/data"
    "$1" serve --event-loops 1 --port "$port" --data-dir "$run_dir/data" --jwt-key "$secret" --anonymous \
        --log-level warning > "$run_dir/herald.log" 2>&1 &
    herald_pid=$!
    for _ in $(seq 1 300); do
        if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.1
    done
    echo "herald did not start:" >&2; cat "$run_dir/herald.log" >&2; exit 1
}

measure() {  # measure WHICH BINARY SCENARIO ROUND
    local which=$1 binary=$2 scenario=$3 round=$4
    local topic="https://example.com/before-after/$scenario-$round-$which"
    local label="$which $scenario $round"
    start_herald "$binary"
    echo "-- $label"
    local shape publish
    if [ "$scenario" = hc ]; then
        herald_bench_shape c4
        "$after" bench --protocol mercure --subscribe-url "$hub?topic={topic}" --publish-url "$hub" --token "$token" \
            --server-pid "$herald_pid" --topic "$topic" --label "$label" --json \
            "${shape[@]}" \
            > "$results/$which-$scenario-$round.json" 2> "$results/$which-$scenario-$round.log" || true
    else
        ssebench_shape "$scenario"
        ssebench_mercure_publish "$token"
        "$ssebench" --sub-url "$hub?topic={topic}" --pub-url "$hub" "${publish[@]}" \
            --server-pid "$herald_pid" --topic "$topic" --label "$label" --json "$results/$which-$scenario-$round.jsonl" \
            "${shape[@]}" > "$results/$which-$scenario-$round.log" 2>&1 || true
    fi
    stop_herald
    sleep 2
}

for round in $(seq 1 "$rounds"); do
    order=(before after)
    if [ $((round % 2)) -eq 0 ]; then order=(after before); fi
    for scenario in $scenarios; do
        for which in "${order[@]}"; do
            if [ "$which" = before ]; then measure before "$before" "$scenario" "$round"; else measure after "$after" "$scenario" "$round"; fi
        done
    done
done

python3 "$root/Benchmarks/before-after/summarize.py" "$results" "$rounds" | tee "$results/summary.md"
