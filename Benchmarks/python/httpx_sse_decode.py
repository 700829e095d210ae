#!/usr/bin/env python3
"""Times httpx-sse (the decoder Python's LLM clients use) on the codec benchmark inputs, fed in the
same chunks as the Swift benchmarks, through httpx's own response streaming and line splitting,
exactly as `EventSource(response).iter_sse()` runs on a live response.

    python Benchmarks/python/httpx_sse_decode.py > results.json
Prints {input: {"seconds": best, "bytes": n, "events": n}} as JSON.
"""
import json
import os
import sys
import time

import httpx
from httpx_sse import EventSource

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "..", ".inputs")
CHUNK_SIZES = {"llm-stream": 1024, "multiline-data": 65536, "heartbeats": 65536, "drip": 4, "long-line": 65536}
RUNS = int(os.environ.get("RUNS", "5"))


class Chunks(httpx.SyncByteStream):
    def __init__(self, data, size):
        self.data, self.size = data, size

    def __iter__(self):
        data, size = self.data, self.size
        for start in range(0, len(data), size):
            yield data[start:start + size]


def decode(data, size):
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Chunks(data, size))
    events = 0
    for sse in EventSource(response).iter_sse():
        if sse.data:  # httpx-sse also yields blocks without data; count what a browser fires
            events += 1
    return events


results = {}
for name, size in CHUNK_SIZES.items():
    with open(os.path.join(INPUTS, name + ".txt"), "rb") as f:
        data = f.read()
    best, events = float("inf"), 0
    for _ in range(RUNS):
        start = time.perf_counter()
        events = decode(data, size)
        best = min(best, time.perf_counter() - start)
    results[name] = {"seconds": best, "bytes": len(data), "events": events}
    print("httpx-sse %-15s %8.1f MB/s" % (name, len(data) / best / 1e6), file=sys.stderr)
json.dump(results, sys.stdout, indent=1)
