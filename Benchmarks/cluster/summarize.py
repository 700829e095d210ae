"""The table of Benchmarks/cluster/run.sh: one row per measure, the single SQLite node beside the
three-node cluster, the median of the runs of each."""
import glob
import json
import os
import statistics
import sys

results = sys.argv[1]
runs = {}
for path in sorted(glob.glob(os.path.join(results, "*.json"))):
    name = os.path.basename(path)[:-5]
    scenario = name.split("-")[0]
    setup = name.rsplit("-", 1)[1]
    runs.setdefault((scenario, setup), []).append(json.load(open(path)))


def median(scenario, setup, value):
    values = [v for v in (value(r) for r in runs.get((scenario, setup), [])) if v is not None]
    return statistics.median(values) if values else None


def latency(key):
    return lambda r: (r.get("latencyMilliseconds") or {}).get(key)


def publishes_per_second(r):
    return r["published"] / r["seconds"] if r.get("seconds") else None


def postgres_per_publish(r):
    return r["postgresCPUSeconds"] * 1e6 / r["published"] if r.get("published") else None


rows = [
    ("fan-out: publish→receive p50, ms", "fanout", latency("p50"), "%.1f"),
    ("fan-out: publish→receive p99, ms", "fanout", latency("p99"), "%.1f"),
    ("fan-out: deliveries/s", "fanout", lambda r: r.get("deliveriesPerSecond"), "%.0f"),
    ("fan-out: lost + duplicated", "fanout", lambda r: r["lost"] + r["duplicated"], "%d"),
    ("fan-out: Herald CPU per delivery, µs", "fanout", lambda r: r.get("serverCPUMicrosecondsPerDelivery"), "%.2f"),
    ("fan-out: PostgreSQL CPU per publish, µs", "fanout", postgres_per_publish, "%.0f"),
    ("publish: publishes/s sustained (64 connections)", "publish", publishes_per_second, "%.0f"),
    ("publish: lost + duplicated", "publish", lambda r: r["lost"] + r["duplicated"], "%d"),
    ("publish: PostgreSQL CPU per publish, µs", "publish", postgres_per_publish, "%.0f"),
]
print("| measure | single node, SQLite | 3 nodes, PostgreSQL |")
print("|---|---|---|")
for label, scenario, value, form in rows:
    cells = []
    for setup in ("sqlite", "cluster"):
        result = median(scenario, setup, value)
        cells.append("–" if result is None or (setup == "sqlite" and "PostgreSQL" in label) else form % result)
    print("| %s | %s | %s |" % (label, cells[0], cells[1]))
count = max((len(v) for v in runs.values()), default=0)
print("\nMedians of %d alternating runs of each; latency measured by subscribers on every node, from the publish's send time." % count)
