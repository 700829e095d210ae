#!/usr/bin/env python3
"""The browser side in a real Chromium: HTTP/2 over TLS, CORS between two origins, and herald.js
(its unit tests, tab sharing by SharedWorker and by an elected tab, long polling without EventSource
and behind a proxy that holds streams back, a token refreshed before reconnection).

    python Tests/Browser/client_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from playwright.sync_api import sync_playwright

from browser_support import check, finish, free_port, stop_process, wait_for

HERALD = sys.argv[1]
ARTIFACTS = sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TLS = os.path.join(ROOT, "Tests", "HeraldHubTests", "Fixtures", "tls")
TOPIC = "https://example.com/books/1"
servers = []


class Hub:
    """A `herald serve` on a free loopback port, with its own data directory."""

    def __init__(self, *args, scheme="http"):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="herald-client-")
        self.scheme = scheme
        self.args = list(args)
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.start()
        self.publisher = self.token("--publish", "*", "--subscribe", "*")

    def start(self):
        self.process = subprocess.Popen([HERALD, "serve", "--port", str(self.port), "--data-dir", self.data] + self.args,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        servers.append(self.process)
        started = wait_for(lambda: self.process.stdout.readline().startswith("Herald is running"), 60)
        check(started, "herald serve %s started" % " ".join(self.args))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)

    def token(self, *args):
        return subprocess.run([HERALD, "token", "--data-dir", self.data] + list(args), check=True,
                              capture_output=True, text=True).stdout.strip()

    def open(self, path, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        context = ssl.create_default_context(cafile=os.path.join(TLS, "ca.pem")) if self.scheme == "https" else None
        return urllib.request.urlopen(request, timeout=10, context=context)

    def publish(self, data, topic=TOPIC, private=False):
        form = [("topic", topic), ("data", data)] + ([("private", "on")] if private else [])
        with self.open("/.well-known/mercure", urllib.parse.urlencode(form).encode(),
                       {"Authorization": "Bearer " + self.publisher}) as response:
            return response.read().decode()

    def metric(self, name):
        with self.open("/metrics") as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def subscribers(self):
        return int(self.metric("herald_subscribers_connected") or 0)

    def established(self):
        """TCP connections to the hub's port, counted by the kernel (ss), not by herald."""
        out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % self.port],
                             capture_output=True, text=True).stdout
        return len([line for line in out.splitlines() if line.strip()])


def serve_page(page, url, html):
    """Answers `url` with `html` in `page` (the browser sees it on that origin; no server needed)."""
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))


def source_page(options="{}", url="/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe=""), module="/herald.js"):
    """A page with one HeraldSource, recording ids and data; `options` is JavaScript."""
    return """<!doctype html><meta charset=utf-8><title>source</title><script type=module>
import { HeraldSource } from '%s';
window.received = []; window.errors = [];
window.token = window.token || null;
const source = new HeraldSource(%s, %s);
source.onmessage = (e) => window.received.push([e.lastEventId, e.data]);
source.onerror = (e) => window.errors.push([e.status || 0, source.readyState]);
window.source = source; window.HeraldSource = HeraldSource;
</script>""" % (module, json.dumps(url), options)


def open_source_tabs(context, count, url, errors=None):
    """`count` tabs of `context`, each with the page of `source_page()` at `url`; console errors go to `errors`."""
    pages = []
    for _ in range(count):
        page = context.new_page()
        if errors is not None:
            console_errors(page, errors)
        serve_page(page, url, source_page())
        page.goto(url)
        pages.append(page)
    return pages


def received(page):
    return page.evaluate("window.received || []")


def console_errors(page, sink):
    page.on("console", lambda m: sink.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: sink.append(str(e)))


class PageServer:
    """Serves one HTML page on a loopback port: a real site of another origin (a page answered by the
    test browser itself would count as public, and Chromium keeps public pages off loopback addresses)."""

    def __init__(self, port, html):
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class HoldingProxy(threading.Thread):
    """A proxy that holds every response until it is complete, as a buffering proxy does: a stream
    never gets through, a long poll does once answered. Each request gets a connection of its own."""

    def __init__(self, upstream_port):
        super().__init__(daemon=True)
        self.upstream = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]

    def run(self):
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            kept = [line for line in lines[1:] if not line.lower().startswith(b"connection:")]
            request = b"\r\n".join([lines[0]] + kept + [b"Connection: close", b"", b""])
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            upstream.sendall(request)
            held = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                held += chunk
            client.sendall(held)
        except OSError:
            pass
        finally:
            client.close()


def test_unit_tests(browser, hub):
    page = browser.new_page()
    with open(os.path.join(ROOT, "Tests", "Browser", "herald_js_unit_tests.js")) as f:
        script = f.read()
    page.route(hub.base + "/unit.js", lambda route: route.fulfill(status=200, content_type="text/javascript", body=script))
    serve_page(page, hub.base + "/unit.html", "<!doctype html><script type=module src=/unit.js></script>")
    page.goto(hub.base + "/unit.html")
    page.wait_for_function("window.heraldUnitResults", timeout=10000)
    results = page.evaluate("window.heraldUnitResults")
    for name, result in results.items():
        check(result == "ok", "herald.js unit test %s: %s" % (name, result))
    check(len(results) >= 12, "%d herald.js unit tests ran" % len(results))
    page.close()


def test_sharing_by_shared_worker(browser, hub):
    context = browser.new_context()
    errors = []
    pages = open_source_tabs(context, 8, hub.base + "/share.html", errors)
    opened = wait_for(lambda: all(p.evaluate("window.source && window.source.status.tabs === 8 && window.source.readyState === 1") for p in pages), 15)
    check(opened, "8 tabs open one HeraldSource each, all on one shared connection")
    check(pages[0].evaluate("window.source.status.sharing") == "worker", "the connection is held by a SharedWorker")
    check(len({p.evaluate("window.source.status.connection") for p in pages}) == 1, "every tab reports the same connection id")
    check(hub.subscribers() == 1, "the hub counts one subscriber for 8 tabs (%d)" % hub.subscribers())
    ids = [hub.publish("shared %d" % n) for n in range(5)]
    got = wait_for(lambda: all([i for i, _ in received(p)] == ids for p in pages), 10)
    check(got, "all 8 tabs receive all 5 updates, in order, once")
    for page in pages[:7]:
        page.close()
    last = pages[7]
    check(wait_for(lambda: last.evaluate("window.source.status.tabs") == 1, 15), "closing 7 tabs leaves one on the connection")
    more = hub.publish("after seven left")
    check(wait_for(lambda: received(last)[-1:] == [[more, "after seven left"]], 10), "the last tab keeps receiving")
    check(hub.subscribers() == 1, "still one subscriber")
    last.close()
    check(wait_for(lambda: hub.subscribers() == 0, 10), "closing the last tab frees the connection (subscribers: %d)" % hub.subscribers())
    check(errors == [], "no console errors in the shared tabs: %s" % errors[:3])
    context.close()


def test_sharing_by_elected_tab(browser, hub):
    context = browser.new_context()
    context.add_init_script("delete window.SharedWorker;")
    errors = []
    pages = open_source_tabs(context, 3, hub.base + "/elected.html", errors)
    opened = wait_for(lambda: all(p.evaluate("window.source && window.source.readyState === 1 && window.source.status.tabs === 3") for p in pages), 15)
    check(opened, "without SharedWorker, 3 tabs share one connection through an elected tab")
    check(pages[1].evaluate("window.source.status.sharing") == "leader", "the connection is held by an elected tab")
    check(hub.subscribers() == 1, "one subscriber for 3 tabs (%d)" % hub.subscribers())
    first = [hub.publish("elected %d" % n) for n in range(3)]
    check(wait_for(lambda: all([i for i, _ in received(p)] == first for p in pages), 10), "all 3 tabs receive every update")
    # The elected tab goes: the next takes the lock and every tab opens again where it was.
    pages[0].close()  # the first tab asked for the lock first: it holds the connection
    rest = pages[1:]
    later = [hub.publish("after the leader left %d" % n) for n in range(3)]
    got = wait_for(lambda: all([i for i, _ in received(p)] == first + later for p in rest), 15)
    check(got, "after the elected tab closes, the others get every later update once: %s" % [len(received(p)) for p in rest])
    check(wait_for(lambda: hub.subscribers() == 1, 10), "one subscriber again (%d)" % hub.subscribers())
    check(errors == [], "no console errors: %s" % errors[:3])
    context.close()


def test_long_polling_without_event_source(browser, hub):
    subscriber_token = hub.token("--subscribe", TOPIC)
    options = "{ token: () => window.token }"
    streaming = browser.new_context()
    stream_page = streaming.new_page()
    stream_page.add_init_script("window.token = %s;" % json.dumps(subscriber_token))
    serve_page(stream_page, hub.base + "/stream.html", source_page(options))
    stream_page.goto(hub.base + "/stream.html")
    polling = browser.new_context()
    polling.add_init_script("delete window.EventSource; window.token = %s;" % json.dumps(subscriber_token))
    poll_page = polling.new_page()
    errors = []
    console_errors(poll_page, errors)
    # The page resumes from the id in its address, as a page that saved it would after a reload.
    page_html = source_page("{ token: () => window.token, lastEventId: new URLSearchParams(location.search).get('last') || undefined }")
    serve_page(poll_page, hub.base + "/poll.html*", page_html)
    poll_page.goto(hub.base + "/poll.html")
    check(wait_for(lambda: all(p.evaluate("window.source && window.source.readyState === 1") for p in (stream_page, poll_page)), 10),
          "a streaming page and a page without EventSource are open")
    check(poll_page.evaluate("typeof EventSource") == "undefined", "the polling page has no EventSource")
    check(poll_page.evaluate("window.source.status.transport") == "longpoll", "without EventSource, herald.js polls")
    ids = [hub.publish("public 1"), hub.publish("private 2", private=True), hub.publish("public 3")]
    check(wait_for(lambda: [i for i, _ in received(poll_page)] == ids, 15), "the polling page receives every update, the private one too")
    check(wait_for(lambda: received(stream_page) == received(poll_page), 10),
          "the stream and the polls deliver the same ids and data: %s / %s" % (received(stream_page), received(poll_page)))
    # Away (a reload) while two more are published; back with the last id: the two, and nothing twice.
    last = received(poll_page)[-1][0]
    poll_page.goto("about:blank")
    away = [hub.publish("while away 4"), hub.publish("while away 5")]
    poll_page.goto(hub.base + "/poll.html?last=" + urllib.parse.quote(last))
    check(wait_for(lambda: [i for i, _ in received(poll_page)] == away, 15),
          "reloaded with the last id, the polling page gets what it missed, once: %s" % received(poll_page))
    check(errors == [], "no console errors while polling: %s" % errors[:3])
    streaming.close()
    polling.close()


def test_switch_to_polling_behind_a_holding_proxy(browser, hub):
    proxy = HoldingProxy(hub.port)
    proxy.start()
    base = "http://127.0.0.1:%d" % proxy.port
    context = browser.new_context()
    page = context.new_page()
    errors = []
    console_errors(page, errors)
    serve_page(page, base + "/held.html", source_page("{ watchdog: 3000, shared: false }"))
    page.goto(base + "/held.html")
    check(wait_for(lambda: page.evaluate("window.source && window.source.readyState === 1"), 10), "the page opened through the proxy")
    before = [hub.publish("held %d" % n) for n in range(2)]  # published while the stream is held back
    switched = wait_for(lambda: page.evaluate("window.source.status.transport") == "longpoll", 15)
    check(switched, "the watchdog saw nothing get through and switched to long polling")
    after = [hub.publish("polled %d" % n) for n in range(2)]
    got = wait_for(lambda: [i for i, _ in received(page)] == before + after, 20)
    check(got, "every update arrives once, in order, across the switch: %s" % [d for _, d in received(page)])
    check(errors == [], "no console errors behind the proxy: %s" % errors[:3])
    context.close()


def test_a_tab_that_vanishes_without_a_goodbye(browser, hub):
    context = browser.new_context()
    first, second = open_source_tabs(context, 2, hub.base + "/vanish.html")
    check(wait_for(lambda: second.evaluate("window.source && window.source.status.tabs") == 2, 10), "two tabs share a connection")
    # The first tab falls silent (its messages to the worker dropped) and closes: no goodbye, no pongs.
    first.evaluate("MessagePort.prototype.postMessage = function () {}")
    first.close()
    started = time.time()
    check(wait_for(lambda: second.evaluate("window.source.status.tabs") == 1, 30),
          "the liveness ping finds the tab gone without a goodbye (%.1f s)" % (time.time() - started))
    update = hub.publish("to the tab that stayed")
    check(wait_for(lambda: received(second)[-1:] == [[update, "to the tab that stayed"]], 10), "the remaining tab keeps receiving")
    context.close()


def test_back_online_reconnects_at_once(browser):
    hub = Hub("--long-poll-timeout", "5")
    context = browser.new_context()
    page = context.new_page()
    # A reconnection time of 20 s: the backoff alone would wait 10 s or more.
    serve_page(page, hub.base + "/online.html", source_page("{ shared: false, retry: 20000 }"))
    page.goto(hub.base + "/online.html")
    check(wait_for(lambda: page.evaluate("window.source && window.source.readyState === 1"), 10), "a page is subscribed")
    hub.stop()  # the Wi-Fi goes
    check(wait_for(lambda: page.evaluate("window.source.readyState") == 0, 10), "the source is reconnecting after the hub went away")
    hub.start()
    update = hub.publish("while the page waited")
    time.sleep(1)
    context.set_offline(True)
    context.set_offline(False)  # ...and comes back: the browser fires online
    started = time.time()
    check(wait_for(lambda: [d for _, d in received(page)] == ["while the page waited"], 8),
          "back online, the source reconnects at once and gets what was published meanwhile (%.1f s)" % (time.time() - started))
    check([i for i, _ in received(page)][:1] == [update], "with its id")
    context.close()


def test_token_refreshed_before_reconnection(browser):
    hub = Hub("--no-anonymous", "--long-poll-timeout", "5")
    context = browser.new_context()
    page = context.new_page()
    short = hub.token("--subscribe", TOPIC, "--expires-in", "3")
    page.add_init_script("window.token = %s;" % json.dumps(short))
    serve_page(page, hub.base + "/token.html", source_page("{ token: () => window.token, shared: false }"))
    page.goto(hub.base + "/token.html")
    check(wait_for(lambda: page.evaluate("window.source && window.source.readyState === 1"), 10), "opened with a token that expires in 3 s")
    page.evaluate("(t) => { window.token = t; }", hub.token("--subscribe", TOPIC, "--expires-in", "600"))
    # The hub ends the stream when the first token expires; herald.js asks for the token again.
    check(wait_for(lambda: page.evaluate("window.errors.length") >= 1, 15), "the stream ended when its token expired")
    check(wait_for(lambda: page.evaluate("window.source.readyState") == 1, 15), "reconnected with the refreshed token")
    update = hub.publish("after the refresh", private=True)
    check(wait_for(lambda: [i for i, _ in received(page)] == [update], 10), "a private update arrives after the refresh, without a reload")
    # A token the hub refuses stops the source, and the error event says why.
    bad = context.new_page()
    bad.add_init_script("window.token = 'not-a-token';")
    serve_page(bad, hub.base + "/bad.html", source_page("{ token: () => window.token, shared: false }"))
    bad.goto(hub.base + "/bad.html")
    check(wait_for(lambda: bad.evaluate("window.errors.length && window.source.readyState === 2"), 10), "a refused token closes the source")
    check(bad.evaluate("window.errors[0]") == [401, 2], "the error event carries status 401: %s" % bad.evaluate("window.errors"))
    context.close()


def test_cors(browser):
    allowed_port, refused_port = free_port(), free_port()
    allowed, refused = "http://localhost:%d" % allowed_port, "http://localhost:%d" % refused_port
    hub = Hub("--cors-origin", allowed)
    hub_url = "http://localhost:%d/.well-known/mercure?topic=%s" % (hub.port, urllib.parse.quote(TOPIC, safe=""))
    page_html = """<!doctype html><meta charset=utf-8><script type=module>
window.received = [];
const native = new EventSource(%s, { withCredentials: true });
native.onmessage = (e) => window.received.push(['native', e.data]);
native.onerror = () => { window.nativeState = native.readyState; };
const { HeraldSource } = await import(%s);
const source = new HeraldSource(%s, { withCredentials: true, shared: false });
source.onmessage = (e) => window.received.push(['herald', e.data]);
window.source = source; window.native = native;
</script>""" % (json.dumps(hub_url), json.dumps("http://localhost:%d/herald.js" % hub.port), json.dumps(hub_url))
    context = browser.new_context()
    # The subscriber's token in the mercureAuthorization cookie, set for the hub: sent cross-origin with credentials.
    context.add_cookies([{"name": "mercureAuthorization", "value": hub.token("--subscribe", TOPIC), "url": "http://localhost:%d" % hub.port}])
    good, bad = context.new_page(), context.new_page()
    PageServer(allowed_port, page_html)
    PageServer(refused_port, page_html)
    good.goto(allowed + "/")
    bad.goto(refused + "/")
    check(wait_for(lambda: good.evaluate("window.native && window.native.readyState === 1 && window.source && window.source.readyState === 1"), 10),
          "a page on the allowed origin opens the hub's stream (EventSource and HeraldSource)")
    time.sleep(0.5)
    hub.publish("private, by cookie", private=True)
    hub.publish("public")
    expected = sorted([["native", "private, by cookie"], ["native", "public"], ["herald", "private, by cookie"], ["herald", "public"]])
    check(wait_for(lambda: sorted(good.evaluate("window.received")) == expected, 10),
          "the allowed origin receives private updates with the cookie: %s" % good.evaluate("window.received"))
    check(wait_for(lambda: bad.evaluate("window.nativeState") == 2, 10), "a page on another origin cannot read the stream (EventSource closed)")
    check(bad.evaluate("window.received") == [], "and receives nothing")
    context.close()


def test_http2(browser):
    hub = Hub("--tls-cert", os.path.join(TLS, "server.pem"), "--tls-key", os.path.join(TLS, "server-key.pem"),
              "--write-timeout", "4", scheme="https")
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    errors = []
    console_errors(page, errors)
    url = "/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe="")
    # A page of the hub's own, loaded over the network (HTTP/2), which then opens 20 EventSources.
    page.goto(hub.base + "/demo/hub.json")
    page.evaluate("""(url) => {
window.received = Array.from({ length: 20 }, () => []);
window.sources = window.received.map((list) => { const s = new EventSource(url); s.onmessage = (e) => list.push(e.lastEventId); return s; });
window.reconnects = 0;
window.sources.forEach((s) => s.addEventListener('error', () => { window.reconnects += 1; }));
}""", url)
    check(wait_for(lambda: page.evaluate("window.sources.every((s) => s.readyState === 1)"), 10), "20 EventSources open over HTTPS")
    protocol = page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")
    check(protocol == "h2", "the page came over HTTP/2 (%s)" % protocol)
    ids = [hub.publish("h2 %d" % n) for n in range(3)]
    check(wait_for(lambda: page.evaluate("window.received.every((l) => l.length >= 3)"), 10), "all 20 streams receive every update")
    check(page.evaluate("window.received").count(ids) == 20, "in order, once each")
    check(hub.established() == 1, "the server has one TCP connection for the page and its 20 streams (ss: %d)" % hub.established())
    served = page.evaluate("fetch('/demo/activity').then((r) => r.json())")["connections"]
    check(served == 1, "and herald counts one too (/demo/activity: %d)" % served)
    # Publishing over HTTPS from the page, on the same connection.
    status = page.evaluate("""(token) => fetch('/.well-known/mercure', { method: 'POST', headers: { Authorization: 'Bearer ' + token },
        body: new URLSearchParams({ topic: %s, data: 'from the page' }) }).then((r) => r.status)""" % json.dumps(TOPIC), hub.publisher)
    check(status == 200, "a publish from the page over HTTP/2 is accepted")
    check(wait_for(lambda: page.evaluate("window.received.every((l) => l.length >= 4)"), 10), "and every stream receives it")
    # The hub's write timeout ends each stream; the browser reconnects on the same connection.
    check(wait_for(lambda: page.evaluate("window.reconnects") >= 20, 20), "every stream was ended by the write timeout and reconnected")
    check(wait_for(lambda: page.evaluate("window.sources.every((s) => s.readyState === 1)"), 15), "all 20 open again")
    later = hub.publish("after the write timeout")
    check(wait_for(lambda: page.evaluate("(id) => window.received.every((l) => l.includes(id))", later), 10), "all 20 receive after reconnecting")
    check(hub.established() == 1, "still one TCP connection (ss: %d)" % hub.established())
    check(errors == [], "no console errors over HTTP/2: %s" % errors[:3])
    page.screenshot(path=os.path.join(ARTIFACTS, "http2-page.png"))
    context.close()


try:
    os.makedirs(ARTIFACTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        hub = Hub("--long-poll-timeout", "5")
        for test in (test_unit_tests, test_sharing_by_shared_worker, test_sharing_by_elected_tab,
                     test_long_polling_without_event_source, test_switch_to_polling_behind_a_holding_proxy,
                     test_a_tab_that_vanishes_without_a_goodbye):
            print("--", test.__name__, flush=True)
            test(browser, hub)
        for test in (test_back_online_reconnects_at_once, test_token_refreshed_before_reconnection, test_cors, test_http2):
            print("--", test.__name__, flush=True)
            test(browser)
        browser.close()
finally:
    for server in servers:
        stop_process(server)

finish("browser client")
