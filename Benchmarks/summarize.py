#!/usr/bin/env python3
"""Combines the Swift codec benchmark (markdown from `swift package benchmark --format markdown`)
and the httpx-sse timings (JSON) into one table of MB/s, events/s, allocations per event and ratios.

    python Benchmarks/summarize.py swift-results.md httpx-results.json
"""
import json
import re
import sys

UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SCALE = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def parse_swift(path):
    results, name = {}, None
    for line in open(path, encoding="utf-8"):
        heading = re.match(r"^### (\S+)", line)
        if heading:
            name = heading.group(1)
            results[name] = {}
            continue
        if not name or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        label, p50 = cells[0], cells[3] if len(cells) > 3 else ""
        time_row = re.match(r"Time \(wall clock\) \((\S+)\)", label)
        if time_row:
            results[name]["seconds"] = float(p50) * UNITS[time_row.group(1)]
        malloc_row = re.match(r"Malloc \(total\)(?: \((\w)\))?", label)
        if malloc_row:
            results[name]["mallocs"] = float(p50) * SCALE[malloc_row.group(1) or ""]
    return results


swift = parse_swift(sys.argv[1])
httpx = json.load(open(sys.argv[2]))

print("| input | Herald parser | Herald async sequence | swift-openapi-runtime | httpx-sse | Herald ÷ openapi-runtime | Herald ÷ httpx-sse | Herald allocations per event |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, reference in httpx.items():
    size, events = reference["bytes"], reference["events"]

    def rate(seconds):
        text = "%.0f MB/s" % (size / seconds / 1e6)
        if events:
            text += " (%.2fM ev/s)" % (events / seconds / 1e6)
        return text

    herald = swift.get("parse/%s/herald" % name, {})
    herald_async = swift.get("parse/%s/herald-async" % name, {})
    openapi = swift.get("parse/%s/openapi-runtime" % name, {})
    if not herald or not openapi:
        continue
    per_event = "%.2f" % (herald["mallocs"] / events) if events else "%d in all" % herald["mallocs"]
    print("| %s | %s | %s | %s | %s | %.1f× (async %.1f×) | %.1f× | %s |" % (
        name, rate(herald["seconds"]), rate(herald_async["seconds"]), rate(openapi["seconds"]),
        rate(reference["seconds"]), openapi["seconds"] / herald["seconds"],
        openapi["seconds"] / herald_async["seconds"], reference["seconds"] / herald["seconds"], per_event))

encode = swift.get("encode/llm-stream/herald")
if encode:
    size = httpx["llm-stream"]["bytes"]
    print("\nEncoding the LLM stream's events: %.0f MB/s, %d allocations for %d events." % (
        size / encode["seconds"] / 1e6, encode["mallocs"], httpx["llm-stream"]["events"]))
