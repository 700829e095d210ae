#!/usr/bin/env python3
"""Reads one event stream to its end with httpx-sse, as Python's LLM clients do, and prints
{"events", "bytes", "seconds"} as JSON (events counted as a browser fires them: blocks with data).

    python Benchmarks/python/httpx_sse_client.py URL
"""
import json
import sys
import time

import httpx
from httpx_sse import connect_sse

url = sys.argv[1]
start = time.perf_counter()
events = data_bytes = 0
with httpx.Client(timeout=None) as client:
    with connect_sse(client, "GET", url) as source:
        for sse in source.iter_sse():
            if sse.data:
                events += 1
                data_bytes += len(sse.data.encode())
print(json.dumps({"events": events, "bytes": data_bytes, "seconds": time.perf_counter() - start}))
