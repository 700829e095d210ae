#!/usr/bin/env python3
"""Medians of compare.sh's runs, the ratios Herald/nchan, a Markdown table in Benchmarks/README.md
and a plot.

    summarize.py RESULTS_DIR ROUNDS README PLOT
"""
import json
import os
import statistics
import sys

results, rounds, readme, plot = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def runs(scenario, server):
    found = []
    for round_ in range(1, rounds + 1):
        path = os.path.join(results, "%s-%s-%d.json" % (scenario, server, round_))
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                found.append(json.load(f))
    return found


def median(scenario, server, key, sub=None, first_only=False):
    values = []
    for run in runs(scenario, server)[:1] if first_only else runs(scenario, server):
        value = run.get(key)
        if sub is not None:
            value = (value or {}).get(sub)
        if value is not None:
            values.append(value)
    return statistics.median(values) if values else None


def total(scenario, server, key):
    return sum(run.get(key, 0) for run in runs(scenario, server))


def fmt(value, digits=1):
    return "–" if value is None else ("{:,.%df}" % digits).format(value)


def ratio(herald, nchan):
    return None if herald is None or not nchan else herald / nchan


rows = []


def row(label, scenario, key, sub=None, scale=1.0, digits=1, bar=None, first_only=False):
    n = median(scenario, "nchan", key, sub, first_only)
    h = median(scenario, "herald", key, sub, first_only)
    n = None if n is None else n * scale
    h = None if h is None else h * scale
    r = ratio(h, n)
    rows.append("| %s | %s | %s | %s | %s |" % (label, fmt(n, digits), fmt(h, digits), fmt(r, 2) + "×" if r else "–", bar or ""))


row("(a) deliveries/s", "a", "deliveriesPerSecond", digits=0, bar="≥ 1.0×")
row("(a) latency p50, ms", "a", "latencyMilliseconds", "p50")
row("(a) latency p99, ms", "a", "latencyMilliseconds", "p99", bar="≤ 1.0×")
row("(a) latency to a message's first subscriber, p50, ms", "a", "firstSubscriberLatencyMilliseconds", "p50", digits=2)
row("(a) latency to a message's last subscriber, p50, ms", "a", "lastSubscriberLatencyMilliseconds", "p50")
row("(a) publishing behind schedule at the end, ms", "a", "publishBehindScheduleMilliseconds", digits=0)
row("(a) load generator CPU, s", "a", "generatorCPUSeconds")
# Round 1 only: later rounds reuse memory the allocator kept from it (every round is listed below).
row("(b) memory per idle subscriber, KB (round 1, fresh process)", "b", "serverRSSBytesPerSubscriber", scale=1 / 1000, bar="≤ 1.5×", first_only=True)
row("(c) deliveries/s", "c", "deliveriesPerSecond", digits=0, bar="≥ 1.0×")
row("(c) server CPU per delivery, µs", "c", "serverCPUMicrosecondsPerDelivery", digits=2, bar="≤ 1.0×")
row("(c) of which in user space, µs", "c", "serverUserCPUMicrosecondsPerDelivery", digits=2)
row("(a) server CPU per delivery, µs", "a", "serverCPUMicrosecondsPerDelivery", digits=2)
row("(a) of which in user space, µs", "a", "serverUserCPUMicrosecondsPerDelivery", digits=2)
row("(e0) 100 readers alone: latency p99, ms", "e0", "latencyMilliseconds", "p99")
row("(e) the same beside 2,000 that never read: latency p99, ms", "e", "latencyMilliseconds", "p99")
row("(e) server memory at the end, MB", "e", "serverRSSBytes", scale=1 / 1e6, digits=0)
row("(f) the readers of (e0) beside 4 connections flooding another topic: latency p99, ms", "f", "latencyMilliseconds", "p99")
row("(f) messages the flood published", "f", "floodPublished", digits=0)
lost = {server: sum(total(s, server, "lost") + total(s, server, "duplicated") for s in ("a", "b", "c", "e0", "e")) for server in ("nchan", "herald")}
rows.append("| lost + duplicated, all runs | %d | %d | | 0 |" % (lost["nchan"], lost["herald"]))

# Memory per idle subscriber depends on the process's history: later rounds reuse memory the
# allocator kept from round 1, so every round is shown, and the first (a fresh process) is the fair one.
per_round = {server: [fmt((run.get("serverRSSBytesPerSubscriber") or 0) / 1000) for run in runs("b", server)] for server in ("nchan", "herald")}
b_line = ("(b) memory per idle subscriber by round, KB: nchan %s; Herald %s. Rounds after the first reuse memory the "
          "process's allocator kept, so the first round, in a fresh process, is the one to compare."
          % (", ".join(per_round["nchan"]), ", ".join(per_round["herald"])))

d = runs("d", "herald")
d_line = ""
if d:
    run = d[0]
    d_line = ("(d) Herald with %s idle subscribers: %d connected in %.1f s, %s KB per subscriber (in the process "
              "that ran the rounds above, so part of the memory is reused rather than new)."
              % (format(run["subscribers"], ","), run["connected"], run["connectSeconds"],
                 fmt((run.get("serverRSSBytesPerSubscriber") or 0) / 1000)))

table = "\n".join([
    "| measure (median of %d) | nchan | Herald | Herald/nchan | bar |" % rounds,
    "|---|---|---|---|---|",
    *rows,
])
section = "\n".join([
    "<!-- hub-comparison:start -->",
    "Produced by `Benchmarks/hub/compare.sh` (ROUNDS=%d): (a) 1,000 subscribers × 1,000 messages at 200/s; "
    "(b) 10,000 idle subscribers; (c) 100 subscribers, publishing as fast as possible for 10 s over 4 connections. "
    "Servers alternate; each serves connections on one thread (one nginx worker; `herald serve --event-loops 1`); Herald in release mode, otherwise with its defaults (SQLite history, 3 ms write coalescing); loopback, 2 cores shared "
    "with the load generator (`herald bench`)." % rounds,
    "",
    table,
    "",
    b_line,
    "",
    d_line,
    "",
    "![latency and throughput, Herald and nchan](hub/hub-comparison.png)",
    "<!-- hub-comparison:end -->",
])

text = open(readme).read() if os.path.exists(readme) else ""
start, end = text.find("<!-- hub-comparison:start -->"), text.find("<!-- hub-comparison:end -->")
if start >= 0 and end >= 0:
    text = text[:start] + section + text[end + len("<!-- hub-comparison:end -->"):]
else:
    text = text.rstrip() + "\n\n## The hub against nchan\n\n" + section + "\n"
with open(readme, "w") as f:
    f.write(text)
print(table)
print(b_line)
print(d_line)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    percentiles = ["p50", "p90", "p99", "max"]
    width = 0.38
    for offset, server in ((-width / 2, "nchan"), (width / 2, "herald")):
        values = [median("a", server, "latencyMilliseconds", p) or 0 for p in percentiles]
        left.bar([i + offset for i in range(len(percentiles))], values, width, label=server)
        throughput = [median(s, server, "deliveriesPerSecond") or 0 for s in ("a", "c")]
        right.bar([i + offset for i in range(2)], throughput, width, label=server)
    left.set_xticks(range(len(percentiles)), percentiles)
    left.set_ylabel("ms")
    left.set_title("(a) publish→receive latency")
    left.legend()
    right.set_xticks(range(2), ["(a) 200 msg/s", "(c) as fast as possible"])
    right.set_ylabel("deliveries/s")
    right.set_title("deliveries per second")
    right.legend()
    fig.tight_layout()
    fig.savefig(plot, dpi=100)
except ImportError:
    print("matplotlib is missing: no plot")
