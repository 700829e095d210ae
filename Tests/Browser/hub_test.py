#!/usr/bin/env python3
"""The hub in a real Chromium, as a newcomer meets it: `herald serve` with no configuration, the demo
page's hub panel, and updates published with `herald publish`. Then a restart on the same data
directory, after which replay with Last-Event-ID still works.

    python Tests/Browser/hub_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from playwright.sync_api import sync_playwright

from browser_support import check, finish, free_port, wait_for

HERALD = sys.argv[1]
ARTIFACTS = sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"
TOPIC = "https://example.com/demo"


def start_hub(port, data_dir, *extra):
    """Starts `herald` (no subcommand: serve is the default) and returns it with what it printed."""
    process = subprocess.Popen([HERALD, "--port", str(port), "--data-dir", data_dir, *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = []
    deadline = time.time() + 60
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line.rstrip("\n"))
        if line.strip().startswith("curl "):
            break
    return process, banner


def publish(port, token, *arguments):
    result = subprocess.run([HERALD, "publish", "--hub", "http://127.0.0.1:%d/.well-known/mercure" % port,
                             "--token", token, *arguments], capture_output=True, text=True, timeout=30)
    return result.returncode, result.stdout.strip(), result.stderr.strip()


def post(port, token, fields):
    request = urllib.request.Request("http://127.0.0.1:%d/.well-known/mercure" % port,
                                     data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def hub_rows(page):
    return page.eval_on_selector_all("#hub-events tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")


def stop(process):
    """SIGTERM, as a service manager stops the hub; returns the exit status and how long it took."""
    started = time.time()
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        status = None
    return status, time.time() - started


port = free_port()
data_dir = tempfile.mkdtemp(prefix="herald-hub-")
hub, banner = start_hub(port, data_dir, "--write-timeout", "2")
try:
    printed = "\n".join(banner)
    check("Hub:        http://127.0.0.1:%d/.well-known/mercure" % port in printed, "the banner gives the hub URL")
    token_line = next((l for l in banner if re.fullmatch(r"\s+[\w-]+\.[\w-]+\.[\w-]+", l)), "")
    token = token_line.strip()
    check(bool(token), "the banner gives a publisher token")
    curl = next((l.strip() for l in banner if l.strip().startswith("curl ")), "")
    check(TOPIC in curl and token in curl, "the banner gives a curl line publishing to the demo topic: %s" % curl[:80])

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.goto("http://127.0.0.1:%d/" % port)
        page.wait_for_function("document.getElementById('hub-state').textContent === 'OPEN'", timeout=15000)
        check(True, "the hub panel subscribes to %s on load" % TOPIC)

        # The printed curl line, run as a newcomer would, reaches the browser.
        curl_result = subprocess.run(curl, shell=True, capture_output=True, text=True, timeout=30)
        check(curl_result.returncode == 0 and curl_result.stdout.startswith("urn:uuid:"),
              "the printed curl line publishes: %s" % curl_result.stdout.strip())
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'Hello from curl')", timeout=10000)
        check(True, "the browser receives the update published with the printed curl line")

        # herald publish: a public update arrives; a private one does not reach the anonymous page.
        status, update_id, errors = publish(port, token, "--topic", TOPIC, "--data", "from herald publish", "--type", "note")
        check(status == 0 and update_id.startswith("urn:uuid:"), "herald publish prints the id: %s %s" % (update_id, errors))
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'from herald publish')", timeout=10000)
        row = next(r for r in hub_rows(page) if r[3] == "from herald publish")
        check(row[1:3] == ["note", update_id], "the browser sees its type and id: %s" % row)
        publish(port, token, "--topic", TOPIC, "--data", "secret", "--private")
        publish(port, token, "--topic", TOPIC, "--data", "after the secret")
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'after the secret')", timeout=10000)
        check(all(r[3] != "secret" for r in hub_rows(page)), "a private update is not received anonymously")

        # The page's own publish form, with the token the development hub fills in.
        page.fill("#hub-publish-data", "from the page's form")
        page.click("#hub-publish")
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === \"from the page's form\")", timeout=10000)
        check(page.text_content("#hub-publish-result").startswith("published: urn:uuid:"), "the page's publish form publishes")

        # The seed's wire example, published through the hub by the page's button.
        page.click("#hub-publish-seed")
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'Last message, id \"43\"')", timeout=10000)
        seed_rows = [r[1:] for r in hub_rows(page)][-5:]
        check([r[0] for r in seed_rows] == ["message", "message", "foo", "bar", "message"]
              and seed_rows[3][1:] == ["42", 'Multi-line message of\ntype "bar" and id "42"'] and seed_rows[4][1] == "43",
              "the seed's wire example arrives through the hub as its five events: %s" % seed_rows)

        # Reconnection: the hub ends each stream after its write timeout (2 s here); the browser
        # reconnects with Last-Event-ID and the hub replays what was published in between.
        page.evaluate("window.demo.hubReconnects = 0")
        sent = []
        for n in range(30):
            text = "numbered %d" % n
            post(port, token, [("topic", TOPIC), ("data", text)])
            sent.append(text)
            time.sleep(0.25)
        page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'numbered 29')", timeout=20000)
        received = [r[3] for r in hub_rows(page) if r[3].startswith("numbered ")]
        reconnects = page.evaluate("window.demo.hubReconnects")
        check(reconnects >= 2, "the browser reconnected after the hub ended its streams (%d times)" % reconnects)
        check(received == sent, "across the reconnections nothing was lost or doubled (%d of %d, in order)" % (len(received), len(sent)))

        # Resume after an id from the panel (the lastEventID query parameter).
        page.click("text=Unsubscribe")
        last_seen = hub_rows(page)[-1][2]
        post(port, token, [("topic", TOPIC), ("data", "missed 1")])
        post(port, token, [("topic", TOPIC), ("data", "missed 2")])
        before = len(hub_rows(page))
        page.fill("#hub-last-event-id", last_seen)
        page.click("#hub-subscribe")
        page.wait_for_function("document.querySelectorAll('#hub-events tr').length >= %d" % (before + 2), timeout=10000)
        check([r[3] for r in hub_rows(page)[before:before + 2]] == ["missed 1", "missed 2"], "resuming after an id replays what was missed")

        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "hub-panel.png"), full_page=True)

        # Graceful shutdown with a browser still subscribed: the stream ends and the hub exits.
        status, took = stop(hub)
        check(status == 0, "SIGTERM stops the hub cleanly with a subscriber connected (status %s, %.1f s)" % (status, took))
        browser.close()

    # Restart on the same data directory: history survives, replay with Last-Event-ID works.
    hub, banner = start_hub(port, data_dir)
    status, _, errors = publish(port, token, "--topic", "https://example.com/other", "--data", "after restart")
    check(status == 0, "after a restart the development key is the same, so the printed token still publishes %s" % errors)
    request = urllib.request.Request("http://127.0.0.1:%d/.well-known/mercure?topic=%s" % (port, urllib.parse.quote(TOPIC, safe="")),
                                     headers={"Last-Event-ID": update_id})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.headers["Last-Event-ID"] == update_id, "the restarted hub answers Last-Event-ID %s" % response.headers["Last-Event-ID"])
        text = ""
        while "data: after the secret" not in text:
            text += response.read1(65536).decode()
    data_lines = [l for l in text.splitlines() if l.startswith("data: ")]
    check(data_lines[:1] == ["data: after the secret"] and "data: secret" not in data_lines,
          "the restarted hub replays history after the id it was given, private updates left out: %s" % data_lines[:2])
finally:
    if hub.poll() is None:
        stop(hub)

finish('hub browser')
