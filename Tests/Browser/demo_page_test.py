#!/usr/bin/env python3
"""The seed demos in a real Chromium: starts `herald serve`, opens `/`, and checks what a person
would see in each section, plus what the server saw (re-poll ids, disconnects).

    python Tests/Browser/demo_page_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

from browser_support import check, finish, free_port, wait_for

HERALD = sys.argv[1]
ARTIFACTS = sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"


def activity(base):
    with urllib.request.urlopen(base + "/demo/activity", timeout=5) as response:
        return json.load(response)


port = free_port()
base = "http://127.0.0.1:%d" % port
server = subprocess.Popen([HERALD, "serve", "--port", str(port), "--data-dir", tempfile.mkdtemp(prefix="herald-demo-"),
                           "--demo-interval", "0.2", "--demo-repoll-retry", "500"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    started = wait_for(lambda: server.stdout.readline().startswith("Herald is running"), 60)
    check(started, "herald serve started")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(base + "/")

        # 1. Live server time: the clock ticks, onopen fired.
        page.wait_for_function("document.getElementById('time-display').textContent.match(/^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$/)", timeout=10000)
        first = page.text_content("#time-display")
        changed = wait_for(lambda: page.text_content("#time-display") != first, 5)
        check(bool(changed), "the server time ticks (%s -> %s)" % (first, page.text_content("#time-display")))
        check(page.text_content("#time-state") == "OPEN", "time stream shows OPEN")
        check("onopen" in page.text_content("#time-log"), "time stream logged onopen")

        # 2. Multiple event types, in their proportions and colours.
        page.wait_for_function("+document.getElementById('multi-count-time').textContent >= 30", timeout=20000)
        counts = page.evaluate("counts")
        check(abs(counts["notification"] - counts["time"] // 5) <= 1,
              "one notification per 5 time events (%(time)d time, %(notification)d notification)" % counts)
        check(abs(counts["status"] - counts["time"] // 10) <= 1,
              "one status per 10 time events (%(time)d time, %(status)d status)" % counts)
        colours = page.evaluate("""Array.from(document.querySelectorAll('#multi-log p')).reduce(function (m, p) {
            var kind = p.textContent.split(' - ')[1].split(':')[0]; m[kind] = p.style.color; return m; }, {})""")
        check(colours == {"Time": "rgb(0, 123, 255)", "Alert": "rgb(220, 53, 69)", "Status": "rgb(40, 167, 69)"},
              "each event type in its own colour: %s" % colours)

        # 3. JSON payload, parsed, with consecutive ids.
        page.wait_for_function("document.querySelectorAll('#json-list li').length >= 3", timeout=10000)
        items = page.eval_on_selector_all("#json-list li", "els => els.map(e => e.textContent)")
        parsed = [re.match(r"^Mr\. Wang, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(id (\d+)\)$", item) for item in items]
        check(all(parsed), "JSON events parsed into 'Mr. Wang, date (id n)': %s" % items[:3])
        ids = [int(m.group(1)) for m in parsed if m]
        check(ids == list(range(1, len(ids) + 1)), "JSON ids count up from 1: %s" % ids[:5])

        # 4. The wire-format example: exactly its five events.
        time.sleep(1.0)
        rows = page.eval_on_selector_all("#wire-events tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
        expected = [
            ["1", "message", "", "First message is a simple string."],
            ["2", "message", "", '{"message": "JSON payload"}'],
            ["3", "foo", "", 'Message of type "foo"'],
            ["4", "bar", "42", 'Multi-line message of\ntype "bar" and id "42"'],
            ["5", "message", "43", 'Last message, id "43"'],
        ]
        check(rows == expected, "the wire example fires exactly its five events: %s" % rows)

        # 5. Re-polling: each reconnection sends the last id, and the server resumes after it.
        page.wait_for_function("document.querySelectorAll('#repoll-log p').length >= 5", timeout=20000)
        polls = page.eval_on_selector_all("#repoll-log p", "els => els.map(e => e.textContent.split(' - ')[1])")
        polls = [p for p in polls if p.startswith("poll")]
        check(polls[:3] == ["poll 1: sent Last-Event-ID (none), got id 1",
                            "poll 2: sent Last-Event-ID 1, got id 2",
                            "poll 3: sent Last-Event-ID 2, got id 3"], "re-polls resume after the last id: %s" % polls[:3])
        seen = activity(base)["repollLastEventIDs"]
        check(seen[:3] == ["", "1", "2"], "the server saw Last-Event-ID '', 1, 2: %s" % seen[:3])

        # Stop and Disconnect close the EventSource, and the server notices.
        before = activity(base)
        page.click("#time-stop")
        page.click("#json-disconnect")
        page.click("#multi-stop")
        check(page.evaluate("[sources.time.readyState, sources.json.readyState, sources.multi.readyState]") == [2, 2, 2],
              "Stop/Disconnect leave readyState 2 (CLOSED)")
        time.sleep(0.5)
        check(page.text_content("#time-state") == "CLOSED" and page.text_content("#json-state") == "CLOSED",
              "the page shows CLOSED after Stop/Disconnect")
        after = wait_for(lambda: (lambda a: a if a["open"]["time"] == 0 and a["open"]["json"] == 0 and a["open"]["multi"] == 0 else None)(activity(base)), 5)
        check(bool(after), "the server noticed the disconnects and stopped the streams: %s" % activity(base))
        if after:
            check(after["closed"]["time"] == before["closed"]["time"] + 1 and after["closed"]["json"] == before["closed"]["json"] + 1,
                  "one more closed time and json stream each")

        page.click("#time-start")
        page.wait_for_function("document.getElementById('time-state').textContent === 'OPEN'", timeout=10000)
        check(True, "Start reopens the time stream")

        import os
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "demo-page.png"), full_page=True)
        browser.close()
finally:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()

finish('browser demo')
