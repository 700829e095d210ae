#!/usr/bin/env python3
"""Medians, ranges and AFTER/BEFORE ratios of run.sh's results.

    summarize.py RESULTS_DIR ROUNDS
"""
import json
import os
import statistics
import sys

results, rounds = sys.argv[1], int(sys.argv[2])


def load(which, scenario, round_):
    base = os.path.join(results, "%s-%s-%d" % (which, scenario, round_))
    # ssebench appends one line per run; herald bench writes one document.
    if os.path.exists(base + ".jsonl") and os.path.getsize(base + ".jsonl") > 0:
        with open(base + ".jsonl") as f:
            return json.loads(f.read().strip().splitlines()[-1])
    if os.path.exists(base + ".json") and os.path.getsize(base + ".json") > 0:
        with open(base + ".json") as f:
            return json.load(f)
    return None


def values(which, scenario, pick):
    found = []
    for round_ in range(1, rounds + 1):
        run = load(which, scenario, round_)
        value = pick(run) if run else None
        if value is not None:
            found.append(value)
    return found


def cell(found, digits):
    if not found:
        return "–"
    fmt = "{:,.%df}" % digits
    median = fmt.format(statistics.median(found))
    return median if len(found) == 1 else "%s (%s–%s)" % (median, fmt.format(min(found)), fmt.format(max(found)))


# (label, scenario, how to read it, digits)
measures = [
    ("ssebench (a): deliveries/s", "a", lambda r: r["deliv_per_s"], 0),
    ("ssebench (a): latency p99, ms", "a", lambda r: r["lat_p99_us"] / 1000, 1),
    ("ssebench (a): server CPU per delivery, µs", "a", lambda r: r["srv_us_per_delivery"], 2),
    ("ssebench (c1): deliveries/s", "c1", lambda r: r["deliv_per_s"], 0),
    ("ssebench (c1): publishes/s", "c1", lambda r: r["pub_rate"], 0),
    ("ssebench (c1): server CPU per delivery, µs", "c1", lambda r: r["srv_us_per_delivery"], 2),
    ("ssebench (c4): deliveries/s", "c4", lambda r: r["deliv_per_s"], 0),
    ("ssebench (c4): server CPU per delivery, µs", "c4", lambda r: r["srv_us_per_delivery"], 2),
    ("herald bench (c): deliveries/s", "hc", lambda r: r.get("deliveriesPerSecond"), 0),
    ("herald bench (c): server CPU per delivery, µs", "hc", lambda r: r.get("serverCPUMicrosecondsPerDelivery"), 2),
]

print("| measure | before | after | after ÷ before |")
print("|---|---|---|---|")
for label, scenario, pick, digits in measures:
    before, after = values("before", scenario, pick), values("after", scenario, pick)
    ratio = "%.2f×" % (statistics.median(after) / statistics.median(before)) if before and after and statistics.median(before) else "–"
    print("| %s | %s | %s | %s |" % (label, cell(before, digits), cell(after, digits), ratio))

lost = []
for which in ("before", "after"):
    for scenario in ("a", "c1", "c4"):
        lost += values(which, scenario, lambda r: r["lost"] + r["dups"])
    lost += values(which, "hc", lambda r: (r.get("lost") or 0) + (r.get("duplicated") or 0))
print()
print("Lost or duplicated, all runs together: %d" % sum(lost))
