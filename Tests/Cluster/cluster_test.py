#!/usr/bin/env python3
"""Three Herald nodes on one PostgreSQL behind nginx (examples/cluster/cluster.sh), tested as users
meet them: subscribers connect through the load balancer (round robin, no sticky sessions), updates
are published through it, and one node is killed with SIGKILL mid-stream. Its subscribers reconnect
through nginx with Last-Event-ID, as EventSource does, and every subscriber ends with exactly the
log's updates, in the log's order: nothing acknowledged is lost, nothing is doubled. Then Chromium
opens the demo page through nginx and receives an update published on one node after another.

    python Tests/Cluster/cluster_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from browser_support import check, finish, history_ids, wait_for  # noqa: E402

HERALD = os.path.abspath(sys.argv[1])
ARTIFACTS = sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLUSTER = os.path.join(ROOT, "examples", "cluster", "cluster.sh")
STATE = os.path.join(ROOT, "examples", "cluster", ".state")
TOPIC = "https://example.com/cluster-test"


def state(name):
    with open(os.path.join(STATE, name)) as f:
        return f.read().strip()


class Subscriber(threading.Thread):
    """An EventSource through nginx: reads events, and on a lost connection reconnects with the last
    id it saw. Records every event id in arrival order, and how many times it reconnected."""

    def __init__(self, port, name):
        super().__init__(daemon=True)
        self.port, self.name = port, name
        self.ids, self.reconnects, self.last_id = [], 0, None
        self.stopping = False
        self.connected = threading.Event()

    def run(self):
        while not self.stopping:
            try:
                self.read_stream()
            except (OSError, http.client.HTTPException):
                pass
            if not self.stopping:
                self.reconnects += 1
                time.sleep(0.2)

    def read_stream(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        headers = {"Accept": "text/event-stream"}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        connection.request("GET", "/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe=""), headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            raise http.client.HTTPException("status %d" % response.status)
        self.connected.set()
        event_id = None
        while not self.stopping:
            line = response.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line == "":
                if event_id is not None:
                    self.ids.append(event_id)
                    self.last_id = event_id
                event_id = None


def publish(port, token, data):
    """Publishes through nginx; returns the id when the hub acknowledged it (200), else None."""
    request = urllib.request.Request(
        "http://127.0.0.1:%d/.well-known/mercure" % port,
        data=urllib.parse.urlencode({"topic": TOPIC, "data": data}).encode(),
        headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode() if response.status == 200 else None
    except OSError:
        return None


subprocess.run(["bash", CLUSTER, "stop"], check=False)
started = subprocess.run(["bash", CLUSTER, "start", "3"], env={**os.environ, "HERALD": HERALD},
                         capture_output=True, text=True, timeout=180)
print(started.stdout)
if started.returncode != 0:
    print(started.stderr)
    check(False, "the cluster starts")
    finish("cluster")
try:
    port = int(state("nginx.port"))
    token = state("token")
    subscribers = [Subscriber(port, "s%d" % n) for n in range(6)]
    for subscriber in subscribers:
        subscriber.start()
    check(all(s.connected.wait(10) for s in subscribers), "six subscribers connect through nginx")
    time.sleep(0.5)

    acknowledged = []
    total = 300
    for number in range(total):
        if number == total // 3:
            subprocess.run(["bash", CLUSTER, "kill", "1"], check=True)
            print("killed node 1 with SIGKILL after %d publishes" % number, flush=True)
        update_id = publish(port, token, "update %d" % number)
        if update_id:
            acknowledged.append(update_id)
        time.sleep(0.01)
    check(len(acknowledged) >= total - 5, "publishing through nginx goes on while a node is down (%d of %d acknowledged)" % (len(acknowledged), total))

    log = history_ids(port, TOPIC)
    check(set(acknowledged) <= set(log), "every acknowledged update is in the log (%d acknowledged, %d in the log, %d missing)"
          % (len(acknowledged), len(log), len(set(acknowledged) - set(log))))
    for subscriber in subscribers:
        wait_for(lambda: len(subscriber.ids) >= len(log), 20)
        subscriber.stopping = True
    reconnected = sum(1 for s in subscribers if s.reconnects > 0)
    check(reconnected >= 1, "the subscribers of the killed node reconnected through nginx (%d of 6)" % reconnected)
    for subscriber in subscribers:
        if subscriber.ids != log:
            first = next((i for i, (a, b) in enumerate(zip(subscriber.ids, log)) if a != b), min(len(subscriber.ids), len(log)))
            print("  %s differs from the log at %d: %s" % (subscriber.name, first, (subscriber.ids[first:first + 2], log[first:first + 2])))
        check(subscriber.ids == log,
              "%s received exactly the log, in order (%d events, %d reconnections, %d duplicates)"
              % (subscriber.name, len(subscriber.ids), subscriber.reconnects, len(subscriber.ids) - len(set(subscriber.ids))))

    # The demo page through nginx: its hub panel receives updates published on each live node.
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto("http://127.0.0.1:%d/" % port)
        page.wait_for_function("document.getElementById('hub-state').textContent === 'OPEN'", timeout=15000)
        for node in (2, 3):
            node_port = int(state("node-%d.port" % node))
            request = urllib.request.Request(
                "http://127.0.0.1:%d/.well-known/mercure" % node_port,
                data=urllib.parse.urlencode({"topic": "https://example.com/demo", "data": "from node %d" % node}).encode(),
                headers={"Authorization": "Bearer " + token})
            urllib.request.urlopen(request, timeout=10).read()
            page.wait_for_function(
                "Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'from node %d')" % node,
                timeout=10000)
            check(True, "the page behind nginx received an update published on node %d" % node)
        page.screenshot(path=os.path.join(ARTIFACTS, "cluster-demo-page.png"))
        browser.close()
finally:
    subprocess.run(["bash", CLUSTER, "stop"], check=False)
finish("cluster")
