#!/usr/bin/env python3
"""Turns run-client.sh's runs into the Markdown table of Benchmarks/README.md (medians of the rounds).

    python3 Benchmarks/summarize_client.py .results/client-runs.jsonl REPEATS
"""
import json
import statistics
import sys

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
payload_bytes = None
labels = {
    "eventsource": "Herald `EventSource`",
    "adapter": "async-http-client + Herald's `serverSentEvents()` adapter",
    "bytes": "async-http-client, bytes only (no parsing: the transport's ceiling)",
    "httpx-sse": "httpx-sse (`connect_sse(...).iter_sse()`)",
}
by_client = {}
for run in runs:
    by_client.setdefault(run["client"], []).append(run["result"])

counts = {client: {r["events"] for r in results} for client, results in by_client.items() if client != "bytes"}
expected = counts.get("eventsource")
for client, seen in counts.items():
    if seen != expected:
        sys.exit(f"event counts differ: {client} saw {sorted(seen)}, EventSource saw {sorted(expected)}")

medians = {client: statistics.median(r["seconds"] for r in results) for client, results in by_client.items()}
events = next(iter(expected))
print("| client | events/s (median of 3) | seconds | ÷ httpx-sse |")
print("|---|---:|---:|---:|")
for client in ["eventsource", "adapter", "bytes", "httpx-sse"]:
    if client not in medians:
        continue
    seconds = medians[client]
    rate = "—" if client == "bytes" else f"{events / seconds / 1e6:.2f}M"
    ratio = medians["httpx-sse"] / seconds
    print(f"| {labels[client]} | {rate} | {seconds:.3f} | {ratio:.1f}× |")
print()
print(f"{events} events per run ({sys.argv[2]} copies of the LLM-style input).")
