#!/usr/bin/env python3
"""Medians, ranges and the ratios Herald/nchan of compare.sh's runs, one table per generator
(ssebench, herald bench), where the two generators agree, a section of Benchmarks/README.md and a
plot.

    summarize.py RESULTS_DIR ROUNDS README PLOT
"""
import json
import os
import statistics
import sys

results, rounds, readme, plot = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SERVERS = ("nchan", "herald")


def load(generator, scenario, server, round_):
    if generator == "ssebench":
        path = os.path.join(results, "ssebench-%s-%s-%d.jsonl" % (scenario, server, round_))
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return json.loads(f.read().strip().splitlines()[-1])
    else:
        path = os.path.join(results, "hb-%s-%s-%d.json" % (scenario, server, round_))
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return json.load(f)
    return None


def values(generator, scenario, server, pick, first_only=False):
    found = []
    for round_ in range(1, (1 if first_only else rounds) + 1):
        run = load(generator, scenario, server, round_)
        value = pick(run) if run else None
        if value is not None:
            found.append(value)
    return found


def fmt(value, digits):
    return "–" if value is None else ("{:,.%df}" % digits).format(value)


def cell(found, digits):
    if not found:
        return "–"
    median = fmt(statistics.median(found), digits)
    return median if len(found) == 1 else "%s (%s–%s)" % (median, fmt(min(found), digits), fmt(max(found), digits))


def ratio_of(generator, scenario, pick, first_only=False):
    nchan = values(generator, scenario, "nchan", pick, first_only)
    herald = values(generator, scenario, "herald", pick, first_only)
    if not nchan or not herald or not statistics.median(nchan):
        return None, None
    median = statistics.median(herald) / statistics.median(nchan)
    # The spread of the ratio: the least and the most it could be, run against run.
    spread = (min(herald) / max(nchan), max(herald) / min(nchan)) if min(nchan) else None
    return median, spread


def ratio_cell(median, spread):
    if median is None:
        return "–"
    if spread is None or rounds == 1:
        return "%.2f×" % median
    return "%.2f× (%.2f–%.2f)" % (median, spread[0], spread[1])


def sse(key, scale=1.0):
    return lambda run: None if run.get(key) is None else run[key] * scale


def hb(key, sub=None, scale=1.0):
    def pick(run):
        value = run.get(key)
        if sub is not None:
            value = (value or {}).get(sub)
        return None if value is None else value * scale
    return pick


# (label, scenario, pick, digits, bar, first round only)
ssebench_measures = [
    ("(a) deliveries/s", "a", sse("deliv_per_s"), 0, "≥ 1.0×", False),
    ("(a) latency p99, ms", "a", sse("lat_p99_us", 1 / 1000), 1, "≤ 1.0×", False),
    ("(a) server CPU per delivery, µs", "a", sse("srv_us_per_delivery"), 2, "≤ 1.0×", False),
    ("(b) memory per idle subscriber, KB (round 1)", "b", sse("per_conn_rss_kb"), 1, "≤ 0.6×", True),
    ("(c1) deliveries/s", "c1", sse("deliv_per_s"), 0, "≥ 1.0×", False),
    ("(c1) publishes/s", "c1", sse("pub_rate"), 0, "", False),
    ("(c1) publish round trip p50, µs", "c1", sse("pub_rtt_p50_us"), 0, "", False),
    ("(c1) server CPU per delivery, µs", "c1", sse("srv_us_per_delivery"), 2, "≤ 1.0×", False),
    ("(c4) deliveries/s", "c4", sse("deliv_per_s"), 0, "", False),
    ("(c4) server CPU per delivery, µs", "c4", sse("srv_us_per_delivery"), 2, "≤ 1.0×", False),
    ("(e0) 100 readers alone: latency p99, ms", "e0", sse("lat_p99_us", 1 / 1000), 1, "", False),
    ("(e) beside 2,000 that never read: latency p99, ms", "e", sse("lat_p99_us", 1 / 1000), 1, "", False),
    ("(e) server memory at its peak, MB", "e", sse("srv_rss_peak_mb"), 0, "", False),
    ("(f) beside a flood on another topic: latency p99, ms", "f", sse("lat_p99_us", 1 / 1000), 1, "", False),
]
herald_bench_measures = [
    ("(a) deliveries/s", "a", hb("deliveriesPerSecond"), 0, "≥ 1.0×", False),
    ("(a) latency p99, ms", "a", hb("latencyMilliseconds", "p99"), 1, "≤ 1.0×", False),
    ("(a) server CPU per delivery, µs", "a", hb("serverCPUMicrosecondsPerDelivery"), 2, "≤ 1.0×", False),
    ("(a) of which in user space, µs", "a", hb("serverUserCPUMicrosecondsPerDelivery"), 2, "", False),
    ("(b) memory per idle subscriber, KB (round 1)", "b", hb("serverRSSBytesPerSubscriber", scale=1 / 1000), 1, "≤ 0.6×", True),
    ("(c1) deliveries/s", "c1", hb("deliveriesPerSecond"), 0, "≥ 1.0×", False),
    ("(c1) server CPU per delivery, µs", "c1", hb("serverCPUMicrosecondsPerDelivery"), 2, "≤ 1.0×", False),
    ("(c4) deliveries/s", "c4", hb("deliveriesPerSecond"), 0, "", False),
    ("(c4) server CPU per delivery, µs", "c4", hb("serverCPUMicrosecondsPerDelivery"), 2, "≤ 1.0×", False),
    ("(c4) of which in user space, µs", "c4", hb("serverUserCPUMicrosecondsPerDelivery"), 2, "", False),
    ("(e0) 100 readers alone: latency p99, ms", "e0", hb("latencyMilliseconds", "p99"), 1, "", False),
    ("(e) beside 2,000 that never read: latency p99, ms", "e", hb("latencyMilliseconds", "p99"), 1, "", False),
    ("(e) server memory at the end, MB", "e", hb("serverRSSBytes", scale=1 / 1e6), 0, "", False),
    ("(f) beside a flood on another topic: latency p99, ms", "f", hb("latencyMilliseconds", "p99"), 1, "", False),
    ("(f) messages the flood published", "f", hb("floodPublished"), 0, "", False),
]


def table(generator, measures):
    lines = ["| measure (median of %d, range) | nchan | Herald | Herald/nchan (spread) | bar |" % rounds, "|---|---|---|---|---|"]
    for label, scenario, pick, digits, bar, first_only in measures:
        nchan = values(generator, scenario, "nchan", pick, first_only)
        herald = values(generator, scenario, "herald", pick, first_only)
        if not nchan and not herald:
            continue
        median, spread = ratio_of(generator, scenario, pick, first_only)
        lines.append("| %s | %s | %s | %s | %s |" % (label, cell(nchan, digits), cell(herald, digits), ratio_cell(median, spread), bar))
    return lines


def lost(generator):
    counts = {}
    for server in SERVERS:
        total = 0
        for scenario in ("a", "b", "c1", "c4", "e0", "e", "f"):
            if generator == "ssebench":
                total += sum(values(generator, scenario, server, lambda r: r["lost"] + r["dups"]))
            else:
                total += sum(values(generator, scenario, server, lambda r: (r.get("lost") or 0) + (r.get("duplicated") or 0)))
        counts[server] = total
    return "| lost + duplicated, all runs | %d | %d | | 0 |" % (counts["nchan"], counts["herald"])


# Where both generators measure the same thing, do their ratios agree within their spreads?
shared = [
    ("(a) deliveries/s", "a", sse("deliv_per_s"), hb("deliveriesPerSecond")),
    ("(a) latency p99", "a", sse("lat_p99_us"), hb("latencyMilliseconds", "p99")),
    ("(a) server CPU per delivery", "a", sse("srv_us_per_delivery"), hb("serverCPUMicrosecondsPerDelivery")),
    ("(b) memory per idle subscriber (round 1)", "b", sse("per_conn_rss_kb"), hb("serverRSSBytesPerSubscriber")),
    ("(c1) deliveries/s", "c1", sse("deliv_per_s"), hb("deliveriesPerSecond")),
    ("(c1) server CPU per delivery", "c1", sse("srv_us_per_delivery"), hb("serverCPUMicrosecondsPerDelivery")),
    ("(c4) deliveries/s", "c4", sse("deliv_per_s"), hb("deliveriesPerSecond")),
    ("(c4) server CPU per delivery", "c4", sse("srv_us_per_delivery"), hb("serverCPUMicrosecondsPerDelivery")),
]
agreement = ["| measure | ratio by ssebench | ratio by herald bench | agree within the spread |", "|---|---|---|---|"]
for label, scenario, pick_sse, pick_hb in shared:
    first_only = scenario == "b"
    by_sse, sse_spread = ratio_of("ssebench", scenario, pick_sse, first_only)
    by_hb, hb_spread = ratio_of("herald-bench", scenario, pick_hb, first_only)
    if by_sse is None or by_hb is None:
        continue
    if sse_spread and hb_spread:
        agree = "yes" if sse_spread[0] <= hb_spread[1] and hb_spread[0] <= sse_spread[1] else "**no**"
    else:
        agree = "–"
    agreement.append("| %s | %s | %s | %s |" % (label, ratio_cell(by_sse, sse_spread), ratio_cell(by_hb, hb_spread), agree))

# Isolation: each server's readers beside the stalled subscribers (e) or the flood (f), against the
# same readers alone (e0). The bar: within 2x.
def isolation_rows(generator, p99):
    rows = []
    for server in SERVERS:
        alone = values(generator, "e0", server, p99)
        if not alone:
            continue
        cells = [cell(alone, 1)]
        for scenario in ("e", "f"):
            beside = values(generator, scenario, server, p99)
            if beside and statistics.median(alone):
                cells.append("%s, %.2f×" % (cell(beside, 1), statistics.median(beside) / statistics.median(alone)))
            else:
                cells.append("–")
        rows.append("| %s | %s | %s | %s | %s |" % (generator, "Herald" if server == "herald" else "nchan", *cells))
    return rows


isolation = ["| generator | server | (e0) p99 alone, ms | (e) p99 beside 2,000 that never read, ms, ×(e0) | (f) p99 beside a flood, ms, ×(e0) |",
             "|---|---|---|---|---|"]
isolation += isolation_rows("ssebench", sse("lat_p99_us", 1 / 1000))
isolation += isolation_rows("herald-bench", hb("latencyMilliseconds", "p99"))

d = load("herald-bench", "d", "herald", 1)
d_line = ""
if d:
    d_line = ("(d) Herald with %s idle subscribers (herald bench, a fresh process): %d connected in %.1f s, %s KB per subscriber."
              % (format(d["subscribers"], ","), d["connected"], d["connectSeconds"], fmt((d.get("serverRSSBytesPerSubscriber") or 0) / 1000, 1)))

commit = open(os.path.join(results, "commit.txt")).read().strip() if os.path.exists(os.path.join(results, "commit.txt")) else "?"
ssebench_table = table("ssebench", ssebench_measures) + [lost("ssebench")]
herald_bench_table = table("herald-bench", herald_bench_measures) + [lost("herald-bench")]
section = "\n".join([
    "<!-- hub-comparison:start -->",
    "Produced by `Benchmarks/hub/compare.sh` (ROUNDS=%d, commit %s): servers alternate, the order flips every round, and "
    "every scenario runs on a fresh process of each. Each serves connections on one thread (one nginx worker with nchan 1.3.6; "
    "`herald serve --event-loops 1`, release build, SQLite history, otherwise its defaults); loopback, the 2 cores "
    "shared with the generator. Cells are the median of the rounds with their range; a ratio's spread is the least and the "
    "most it could be, run against run." % (rounds, commit),
    "",
    "**By ssebench**, the independent C generator (`../shared/tools/ssebench`):",
    "",
    *ssebench_table,
    "",
    "**By herald bench** (`herald bench`, Herald's own generator; it also runs the isolation scenarios e0, e, f):",
    "",
    *herald_bench_table,
    "",
    "Isolation, each server against itself (bar for Herald: (e) and (f) within 2× of (e0)); medians of the rounds, with "
    "their range. With ssebench the readers are its own and the stalled subscribers (herald bench's) or the flood (a second "
    "ssebench's) come from another process; herald bench runs all of it in one process, whose reading slows as it floods:",
    "",
    *(isolation if len(isolation) > 2 else []),
    "",
    "Where the generators measure the same thing, their ratios Herald/nchan:",
    "",
    *agreement,
    "",
    d_line,
    "",
    "![latency and throughput, Herald and nchan, by ssebench](hub/hub-comparison.png)",
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
print(section)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.38
    scenarios = ("a", "c1", "c4")
    for offset, server in ((-width / 2, "nchan"), (width / 2, "herald")):
        throughput = [statistics.median(values("ssebench", s, server, sse("deliv_per_s")) or [0]) for s in scenarios]
        cpu = [statistics.median(values("ssebench", s, server, sse("srv_us_per_delivery")) or [0]) for s in scenarios]
        left.bar([i + offset for i in range(len(scenarios))], throughput, width, label=server)
        right.bar([i + offset for i in range(len(scenarios))], cpu, width, label=server)
    left.set_xticks(range(len(scenarios)), ["(a) 200 msg/s", "(c1) 1 publisher", "(c4) 4 publishers"])
    left.set_ylabel("deliveries/s")
    left.set_title("deliveries per second (ssebench)")
    left.legend()
    right.set_xticks(range(len(scenarios)), ["(a)", "(c1)", "(c4)"])
    right.set_ylabel("µs")
    right.set_title("server CPU per delivery (ssebench)")
    right.legend()
    fig.tight_layout()
    fig.savefig(plot, dpi=100)
except ImportError:
    print("matplotlib is missing: no plot")
