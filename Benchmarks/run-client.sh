#!/usr/bin/env bash
# The client benchmark: events per second received over loopback from one local server streaming an
# LLM-style event stream as fast as it can, read by Herald's EventSource and by Python's httpx-sse in
# the same run, alternating, three rounds.
#   Benchmarks/run-client.sh      (about a minute once built; the first release build takes longer)
# Writes Benchmarks/.results/client.md: the table for Benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p .results
python3 inputs/generate.py
[ -x ../.venv/bin/python ] || python3 -m venv ../.venv
../.venv/bin/python -c "import httpx_sse" 2>/dev/null || ../.venv/bin/pip install -q httpx httpx-sse
for product in StreamServer ClientThroughput; do
    swift build -c release --scratch-path ../.build-release-bench --product "$product" >&2
done
bin=../.build-release-bench/release
repeats=${REPEATS:-4}

"$bin/StreamServer" .inputs/llm-stream.txt "$repeats" > .results/server-port &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s .results/server-port ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat .results/server-port)/stream"

: > .results/client-runs.jsonl
for round in 1 2 3; do
    for client in eventsource adapter bytes httpx-sse; do
        if [ "$client" = httpx-sse ]; then
            result=$(../.venv/bin/python python/httpx_sse_client.py "$url")
        else
            result=$("$bin/ClientThroughput" "$client" "$url")
        fi
        echo "{\"client\":\"$client\",\"round\":$round,\"result\":$result}" | tee -a .results/client-runs.jsonl >&2
    done
done
python3 summarize_client.py .results/client-runs.jsonl "$repeats" | tee .results/client.md
