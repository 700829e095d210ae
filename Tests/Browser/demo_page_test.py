#!/usr/bin/env python3
"""The seed demos in a real Chromium, as a person uses them: `herald serve` on plain HTTP/1.1, the
page at `/` open in three tabs of one browser at once, every panel live in each, no console errors;
plus what the server saw (re-poll ids, one shared stream for all tabs, disconnects).

    python Tests/Browser/demo_page_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

from browser_support import check, finish, free_port, stop_process, wait_for

HERALD = sys.argv[1]
ARTIFACTS = sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"
TABS = 3


def activity(base):
    with urllib.request.urlopen(base + "/demo/activity", timeout=5) as response:
        return json.load(response)


def texts(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


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
        context = browser.new_context(viewport={"width": 1200, "height": 1400})
        errors = []
        tabs = []
        for n in range(TABS):
            page = context.new_page()
            page.on("console", lambda m, n=n: errors.append("tab %d: %s" % (n + 1, m.text)) if m.type == "error" else None)
            page.on("pageerror", lambda e, n=n: errors.append("tab %d: %s" % (n + 1, e)))
            page.goto(base + "/")
            tabs.append(page)

        for n, page in enumerate(tabs, 1):
            # 1. Live server time: the clock ticks, onopen fired.
            page.wait_for_function("document.getElementById('time-display').textContent.match(/^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$/)", timeout=15000)
            first = page.text_content("#time-display")
            changed = wait_for(lambda: page.text_content("#time-display") != first, 5)
            check(bool(changed), "tab %d: the server time ticks (%s -> %s)" % (n, first, page.text_content("#time-display")))
            check(page.text_content("#time-state") == "OPEN", "tab %d: the time panel shows OPEN" % n)
            check("onopen" in page.text_content("#time-log"), "tab %d: the time panel logged onopen" % n)

        for n, page in enumerate(tabs, 1):
            # 2. Multiple event types, in their proportions and colours.
            page.wait_for_function("+document.getElementById('multi-count-time').textContent >= 30", timeout=20000)
            counts = page.evaluate("window.demo.counts")
            check(abs(counts["notification"] - counts["time"] // 5) <= 1,
                  "tab %d: one notification per 5 time events (%d time, %d notification)" % (n, counts["time"], counts["notification"]))
            check(abs(counts["status"] - counts["time"] // 10) <= 1,
                  "tab %d: one status per 10 time events (%d time, %d status)" % (n, counts["time"], counts["status"]))
            colours = page.evaluate("""Array.from(document.querySelectorAll('#multi-log p')).reduce(function (m, p) {
                var kind = p.textContent.split(' - ')[1].split(':')[0]; m[kind] = p.style.color; return m; }, {})""")
            check(colours == {"Time": "rgb(0, 123, 255)", "Alert": "rgb(220, 53, 69)", "Status": "rgb(40, 167, 69)"},
                  "tab %d: each event type in its own colour: %s" % (n, colours))

            # 3. JSON payload, parsed, with consecutive ids (a later tab joins the shared stream mid-way).
            page.wait_for_function("document.querySelectorAll('#json-list li').length >= 3", timeout=10000)
            items = texts(page, "#json-list li")
            parsed = [re.match(r"^Mr\. Wang, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(id (\d+)\)$", item) for item in items]
            check(all(parsed), "tab %d: JSON events parsed into 'Mr. Wang, date (id n)': %s" % (n, items[:2]))
            ids = [int(m.group(1)) for m in parsed if m]
            check(ids == list(range(ids[0], ids[0] + len(ids))) if ids else False, "tab %d: JSON ids count up by one: %s" % (n, ids[:5]))

            # 4. The wire-format example: exactly its five events, then the stream is closed.
            page.wait_for_function("document.querySelectorAll('#wire-events tr').length >= 5", timeout=10000)
            time.sleep(0.5)
            rows = page.eval_on_selector_all("#wire-events tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
            expected = [
                ["1", "message", "", "First message is a simple string."],
                ["2", "message", "", '{"message": "JSON payload"}'],
                ["3", "foo", "", 'Message of type "foo"'],
                ["4", "bar", "42", 'Multi-line message of\ntype "bar" and id "42"'],
                ["5", "message", "43", 'Last message, id "43"'],
            ]
            check(rows == expected, "tab %d: the wire example fires exactly its five events: %s" % (n, rows))

            # 5. Re-polling: each reconnection sends the last id, and the server resumes after it.
            page.wait_for_function("document.querySelectorAll('#repoll-log p').length >= 5", timeout=20000)
            polls = [t.split(" - ", 1)[1] for t in texts(page, "#repoll-log p")]
            polls = [p for p in polls if p.startswith("poll")]
            check(polls[:3] == ["poll 1: sent Last-Event-ID (none), got id 1",
                                "poll 2: sent Last-Event-ID 1, got id 2",
                                "poll 3: sent Last-Event-ID 2, got id 3"], "tab %d: re-polls resume after the last id: %s" % (n, polls[:3]))

        seen = activity(base)["repollLastEventIDs"]
        check(seen.count("") == TABS and seen.count("1") == TABS and seen.count("2") == TABS,
              "the server saw each tab's re-polls send '', 1, 2: %s" % seen[:9])

        # 6-8: the hub panel in every tab, on one shared connection; a publish from one tab reaches all,
        # by the stream and by long polling, with the same id.
        check(wait_for(lambda: all(p.text_content("#tabs-count") == str(TABS) for p in tabs), 10),
              "panel 7 in every tab: %d tabs on the hub panel's connection" % TABS)
        connection_ids = {p.text_content("#tabs-connection") for p in tabs}
        check(len(connection_ids) == 1 and "–" not in connection_ids, "every tab names the same shared connection: %s" % connection_ids)
        check(all(p.text_content("#tabs-sharing") == "a SharedWorker" for p in tabs), "shared by a SharedWorker")
        server_connections = activity(base)["connections"]
        check(server_connections <= 6, "the server holds at most six connections for %d tabs (%d)" % (TABS, server_connections))
        check(wait_for(lambda: all(p.text_content("#tabs-server-connections").isdigit() for p in tabs), 5),
              "panel 7 shows the server's connection count: %s" % [p.text_content("#tabs-server-connections") for p in tabs])
        tabs[1].fill("#hub-publish-data", "from tab 2")
        tabs[1].click("#hub-publish")
        tabs[1].wait_for_function("document.getElementById('hub-publish-result').textContent.startsWith('published: ')", timeout=10000)
        update_id = tabs[1].text_content("#hub-publish-result")[len("published: "):]
        for n, page in enumerate(tabs, 1):
            page.wait_for_function("Array.from(document.querySelectorAll('#hub-events td')).some(td => td.textContent === 'from tab 2')", timeout=10000)
            check(True, "tab %d: the hub panel receives the update published from tab 2" % n)
            poll_row = None
            for _ in range(100):
                poll_row = next((r for r in page.eval_on_selector_all("#poll-events tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
                                 if r[3] == "from tab 2"), None)
                if poll_row and poll_row[2]:
                    break
                time.sleep(0.1)
            check(poll_row is not None and poll_row[1] == poll_row[2] == update_id,
                  "tab %d: panel 8 shows the same id by the stream and by long polling: %s" % (n, poll_row))
        check(activity(base)["open"]["seeds"] == 1, "the three ticking panels of all tabs share one stream: %s" % activity(base)["open"])

        # Stop and Disconnect close a tab's sources; the shared stream lives on for the other tabs,
        # and ends once no tab uses it.
        page = tabs[0]
        page.click("#time-stop")
        page.click("#json-disconnect")
        page.click("#multi-stop")
        check(page.evaluate("[demo.sources.time.readyState, demo.sources.json.readyState, demo.sources.multi.readyState]") == [2, 2, 2],
              "Stop/Disconnect leave readyState 2 (CLOSED)")
        time.sleep(0.5)
        check(page.text_content("#time-state") == "CLOSED" and page.text_content("#json-state") == "CLOSED",
              "the page shows CLOSED after Stop/Disconnect")
        other = tabs[1].text_content("#time-display")
        check(wait_for(lambda: tabs[1].text_content("#time-display") != other, 5), "the other tabs' clocks keep ticking")
        for tab in tabs[1:]:
            for button in ("#time-stop", "#json-disconnect", "#multi-stop"):
                tab.click(button)
        after = wait_for(lambda: (lambda a: a if a["open"]["seeds"] == 0 else None)(activity(base)), 10)
        check(bool(after), "once every tab stopped, the server ended the shared stream: %s" % activity(base)["open"])

        page.click("#time-start")
        page.wait_for_function("document.getElementById('time-state').textContent === 'OPEN'", timeout=10000)
        check(True, "Start reopens the time panel")

        check(errors == [], "no console errors in %d tabs: %s" % (TABS, errors[:5]))
        os.makedirs(ARTIFACTS, exist_ok=True)
        for n, tab in enumerate(tabs, 1):
            tab.screenshot(path=os.path.join(ARTIFACTS, "demo-page-tab%d.png" % n), full_page=True)
        browser.close()
finally:
    stop_process(server)

finish('browser demo')
