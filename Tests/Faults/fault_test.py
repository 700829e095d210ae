#!/usr/bin/env python3
"""Faults inflicted on real `herald serve` processes on loopback, each bounded in time and count,
each checking that nothing acknowledged is lost and that the hub still serves a healthy client
afterwards:

  1. kill -9 while four publishers post and a subscriber listens: after a restart on the same data,
     every update answered 200 is replayed with `earliest`, in the order it was stored.
  2. SIGTERM while publishers post: every update answered 200 is in history after a restart.
  3. A full disk (a small tmpfs the test mounts): publishes get 503 saying why, /healthz is 503, the
     subscriber stays connected, and once space is freed publishing and /healthz recover.
  4. Running out of file descriptors (the hub started with a low `ulimit -n`): new connections are
     refused or dropped while the existing subscriber keeps receiving, and the hub accepts again
     once descriptors are free.
  5. A stalled HTTP/2 stream (HTTPS): a client that never grants one stream more flow-control window
     gets that stream dropped as lagging, while another stream of the same connection receives
     every update and the connection stays open.
  6. SIGTERM with an HTTP/2 client that stopped answering (a laptop gone to sleep): the hub still
     exits, within its graceful-close time, instead of waiting for the client's acknowledgement.

    python Tests/Faults/fault_test.py PATH/TO/herald [ARTIFACT_DIR]
"""
import http.client
import os
import resource
import shutil
import signal
import ssl
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Browser"))
from browser_support import check, finish, free_port, history_ids, wait_for  # noqa: E402

HERALD = os.path.abspath(sys.argv[1])
KEY = "fault-suite-secret-0123456789abcdef0123456789"
TOPIC = "https://example.com/faults"


def token():
    return subprocess.run([HERALD, "token", "--jwt-key", KEY, "--publish", "*", "--subscribe", "*"],
                          capture_output=True, text=True, check=True).stdout.strip()


TOKEN = token()


TLS_DIR = os.path.join(os.path.dirname(__file__), "..", "HeraldHubTests", "Fixtures", "tls")


def tls_context(alpn=None):
    """A client context trusting the test CA (Tests/HeraldHubTests/Fixtures/tls)."""
    context = ssl.create_default_context(cafile=os.path.join(TLS_DIR, "ca.pem"))
    if alpn:
        context.set_alpn_protocols(alpn)
    return context


def start(data_dir, port, *extra, file_limit=None, tls=False):
    """`herald serve` on `port`, waited for until /healthz answers; with `tls`, HTTPS with the test certificate."""
    def limit():
        if file_limit:
            resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit))
    if tls:
        extra += ("--tls-cert", os.path.join(TLS_DIR, "server.pem"), "--tls-key", os.path.join(TLS_DIR, "server-key.pem"))
    process = subprocess.Popen([HERALD, "serve", "--port", str(port), "--data-dir", data_dir, "--jwt-key", KEY,
                                "--anonymous", "--no-subscriptions", "--log-level", "error", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit)
    ready = wait_for(lambda: healthz(port, tls) is not None or process.poll() is not None, 30)
    if process.poll() is not None:
        raise RuntimeError("herald did not start: " + process.stderr.read().decode())
    return process


def healthz(port, tls=False):
    try:
        connection = (http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=tls_context()) if tls
                      else http.client.HTTPConnection("127.0.0.1", port, timeout=5))
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return response.status, response.read().decode()
    except OSError:
        return None


def publish(port, data, timeout=10):
    """(status, body) of one publish on a connection of its own; (None, error) when it failed."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        body = urllib.parse.urlencode({"topic": TOPIC, "data": data})
        connection.request("POST", "/.well-known/mercure", body=body, headers={
            "Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    except (OSError, http.client.HTTPException) as error:
        return None, str(error)


class Subscriber(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.data, self.open, self.ended = port, [], threading.Event(), threading.Event()

    def run(self):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request("GET", "/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe=""))
            response = connection.getresponse()
            self.open.set()
            while True:
                line = response.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    self.data.append(line[5:].strip())
        except OSError:
            pass
        self.ended.set()


class Publishers:
    """`count` threads publishing as fast as answered until stopped; records what was answered 200."""

    def __init__(self, port, count):
        self.port, self.acknowledged, self.failed, self.stopping = port, [], 0, False
        self.by_publisher = [[] for _ in range(count)]
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(count)]
        for thread in self.threads:
            thread.start()

    def run(self, number):
        sequence = 0
        while not self.stopping:
            status, body = publish(self.port, "p%d-%d" % (number, sequence), timeout=5)
            with self.lock:
                if status == 200:
                    self.acknowledged.append(body)
                    self.by_publisher[number].append(body)
                else:
                    self.failed += 1
            sequence += 1
            if status is None:
                time.sleep(0.01)

    def stop(self):
        self.stopping = True
        for thread in self.threads:
            thread.join(10)


def crash_with_sigkill():
    data_dir = tempfile.mkdtemp(prefix="herald-fault-")
    port = free_port()
    hub = start(data_dir, port)
    subscriber = Subscriber(port)
    subscriber.start()
    subscriber.open.wait(10)
    publishers = Publishers(port, 4)
    time.sleep(2)
    hub.send_signal(signal.SIGKILL)
    hub.wait(10)
    publishers.stop()
    acknowledged = list(publishers.acknowledged)
    hub = start(data_dir, port)
    history = history_ids(port, TOPIC)
    missing = set(acknowledged) - set(history)
    check(len(acknowledged) > 100 and not missing,
          "kill -9 under 4 publishers: all %d acknowledged updates survive the restart (%d missing)" % (len(acknowledged), len(missing)))
    position = {update_id: index for index, update_id in enumerate(history)}
    in_order = all([position[i] for i in answered] == sorted(position[i] for i in answered)
                   for answered in publishers.by_publisher if all(i in position for i in answered))
    check(in_order, "kill -9: each publisher's updates are replayed in the order they were answered")
    check(len(set(history)) == len(history), "kill -9: the replayed history has no update twice")
    check(publish(port, "after the crash")[0] == 200 and healthz(port) == (200, "ok"), "the restarted hub serves a healthy client")
    hub.terminate()
    hub.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


def stop_with_sigterm():
    data_dir = tempfile.mkdtemp(prefix="herald-fault-")
    port = free_port()
    hub = start(data_dir, port)
    publishers = Publishers(port, 4)
    time.sleep(1.5)
    hub.send_signal(signal.SIGTERM)
    status = hub.wait(20)
    publishers.stop()
    acknowledged = list(publishers.acknowledged)
    check(status == 0, "SIGTERM under load: herald exits cleanly (status %s)" % status)
    hub = start(data_dir, port)
    history = set(history_ids(port, TOPIC))
    missing = set(acknowledged) - history
    check(len(acknowledged) > 50 and not missing,
          "SIGTERM under load: every one of %d updates answered 200 is in history (%d missing)" % (len(acknowledged), len(missing)))
    hub.terminate()
    hub.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


def disk_full():
    mount_point = tempfile.mkdtemp(prefix="herald-small-disk-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount_point], capture_output=True)
    if mounted.returncode != 0:
        check(os.environ.get("CI") != "true", "disk full: needs a small tmpfs (mount as root); skipped here: %s" % mounted.stderr.decode().strip())
        return
    hub = None
    try:
        data_dir = os.path.join(mount_point, "data")
        port = free_port()
        hub = start(data_dir, port)
        subscriber = Subscriber(port)
        subscriber.start()
        subscriber.open.wait(10)
        check(publish(port, "before")[0] == 200, "disk full: a publish before the disk fills is stored")
        # Fill the disk, leaving a filler file to delete afterwards.
        filler = os.path.join(mount_point, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        answers = [publish(port, "x" * 60000) for _ in range(20)]
        refused = [a for a in answers if a[0] == 503]
        check(refused and all(a[0] in (200, 503) for a in answers),
              "disk full: publishes get 503 (%d of 20), never another error" % len(refused))
        check(any("not published" in a[1] for a in refused), "disk full: the 503 says the update was not published and why (%s)"
              % (refused[0][1].strip()[:120] if refused else ""))
        health = healthz(port)
        check(health is not None and health[0] == 503 and "cannot write" in health[1], "disk full: /healthz is 503 (%s)" % (health,))
        check(not subscriber.ended.is_set(), "disk full: the subscriber stays connected")
        os.remove(filler)
        recovered = wait_for(lambda: publish(port, "after")[0] == 200, 10)
        check(recovered, "disk full: once space is freed, publishing works again")
        check(healthz(port) == (200, "ok"), "disk full: /healthz is 200 again")
        wait_for(lambda: "after" in subscriber.data, 5)
        check(subscriber.data[:1] == ["before"] and "after" in subscriber.data, "disk full: the subscriber receives again (%s)" % subscriber.data[-3:])
        history = history_ids(port, TOPIC)
        check(len(history) == len(set(history)), "disk full: nothing half-written or doubled in history")
    finally:
        if hub:
            hub.kill()
            hub.wait(10)
        subprocess.run(["umount", mount_point])
        shutil.rmtree(mount_point, ignore_errors=True)


def out_of_file_descriptors():
    data_dir = tempfile.mkdtemp(prefix="herald-fault-")
    port = free_port()
    hub = start(data_dir, port, file_limit=128)
    subscriber = Subscriber(port)
    subscriber.start()
    subscriber.open.wait(10)
    # A publisher's keep-alive connection, opened before the descriptors run out.
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=5)

    def publish_on_kept(data):
        kept.request("POST", "/.well-known/mercure", body=urllib.parse.urlencode({"topic": TOPIC, "data": data}),
                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-www-form-urlencoded"})
        response = kept.getresponse()
        response.read()
        return response.status
    check(publish_on_kept("before exhaustion") == 200, "out of descriptors: the kept connection publishes")
    hogs = []
    for _ in range(300):
        try:
            hogs.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            break
    time.sleep(1)
    status, _ = publish(port, "new connection while exhausted", timeout=3)
    check(status is None, "out of descriptors: a new connection is refused or dropped (%d held, answer %s)" % (len(hogs), status))
    check(publish_on_kept("while exhausted") == 200, "out of descriptors: an existing connection still publishes")
    wait_for(lambda: "while exhausted" in subscriber.data, 5)
    check("while exhausted" in subscriber.data, "out of descriptors: the existing subscriber keeps receiving")
    for sock in hogs:
        sock.close()
    # Accepting again once descriptors are free.
    recovered = wait_for(lambda: publish(port, "after exhaustion")[0] == 200, 20)
    check(recovered, "out of descriptors: the hub accepts again once descriptors are free")
    wait_for(lambda: "after exhaustion" in subscriber.data, 5)
    check("after exhaustion" in subscriber.data and not subscriber.ended.is_set(),
          "out of descriptors: the existing subscriber stayed connected and receives")
    check(hub.poll() is None, "out of descriptors: the hub is still running")
    hub.terminate()
    hub.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


def stalled_http2_stream():
    import h2.config
    import h2.connection
    import h2.events
    data_dir = tempfile.mkdtemp(prefix="herald-fault-")
    port = free_port()
    hub = start(data_dir, port, "--queue-size", "64", tls=True)

    def https(method, path, body=None, headers=None):
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls_context())
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    try:
        sock = tls_context(["h2"]).wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        check(sock.selected_alpn_protocol() == "h2", "stalled HTTP/2 stream: the hub speaks HTTP/2")
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        path = "/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe="")
        headers = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "127.0.0.1:%d" % port)]
        stalled, reader = 1, 3
        conn.send_headers(stalled, headers, end_stream=True)
        conn.send_headers(reader, headers, end_stream=True)
        sock.sendall(conn.data_to_send())
        state = {"text": "", "stalled_ended": False, "closed": False}
        lock = threading.Lock()

        def pump():
            while True:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    state["closed"] = True
                    return
                with lock:
                    for event in conn.receive_data(data):
                        if isinstance(event, h2.events.DataReceived):
                            if event.stream_id == stalled:
                                # The connection's window is granted again, the stream's never.
                                conn.increment_flow_control_window(event.flow_controlled_length)
                            else:
                                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                                if event.stream_id == reader:
                                    state["text"] += event.data.decode()
                        elif isinstance(event, (h2.events.StreamReset, h2.events.StreamEnded)) and event.stream_id == stalled:
                            state["stalled_ended"] = True
                    sock.sendall(conn.data_to_send())
        threading.Thread(target=pump, daemon=True).start()
        time.sleep(0.5)
        chunk = "x" * (16 * 1024)
        received_in_order = True
        for number in range(1, 301):
            status, _ = https("POST", "/.well-known/mercure", urllib.parse.urlencode({"topic": TOPIC, "data": "%d %s" % (number, chunk)}),
                              {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-www-form-urlencoded"})
            if status != 200 or not wait_for(lambda: ("data: %d x" % number) in state["text"], 5, interval=0.01):
                received_in_order = False
                break
        check(received_in_order, "stalled HTTP/2 stream: the other stream of the connection receives all 300 updates")
        check(wait_for(lambda: state["stalled_ended"], 10), "stalled HTTP/2 stream: the hub ends the stalled stream")
        metrics = https("GET", "/metrics")[1]
        check("herald_subscribers_dropped_total 1" in metrics, "stalled HTTP/2 stream: counted as dropped for lag")
        check(not state["closed"], "stalled HTTP/2 stream: the connection stays open")
        status, _ = https("POST", "/.well-known/mercure", urllib.parse.urlencode({"topic": TOPIC, "data": "after the drop"}),
                          {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-www-form-urlencoded"})
        check(wait_for(lambda: "data: after the drop" in state["text"], 5), "stalled HTTP/2 stream: the other stream still receives")
        sock.close()
    finally:
        hub.terminate()
        hub.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


def sigterm_with_an_unresponsive_http2_client():
    import h2.config
    import h2.connection
    data_dir = tempfile.mkdtemp(prefix="herald-fault-")
    port = free_port()
    hub = start(data_dir, port, tls=True)
    try:
        sock = tls_context(["h2"]).wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        path = "/.well-known/mercure?topic=" + urllib.parse.quote(TOPIC, safe="")
        conn.send_headers(1, [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "localhost")], end_stream=True)
        sock.sendall(conn.data_to_send())
        sock.recv(65536)  # the response has begun; from now on this client reads and answers nothing
        time.sleep(0.5)
        started = time.time()
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(20)
        except subprocess.TimeoutExpired:
            pass
        took = time.time() - started
        check(hub.poll() is not None and took < 15,
              "SIGTERM with an unresponsive HTTP/2 client: the hub exits (%s after %.1f s)" % ("exited" if hub.poll() is not None else "still running", took))
        sock.close()
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


FAULTS = (crash_with_sigkill, stop_with_sigterm, disk_full, out_of_file_descriptors, stalled_http2_stream,
          sigterm_with_an_unresponsive_http2_client)
for fault in [f for f in FAULTS if len(sys.argv) < 4 or f.__name__ in sys.argv[3:]]:
    print("-- " + fault.__name__, flush=True)
    started = time.time()
    try:
        fault()
    except Exception as error:  # a fault that breaks the test itself is a failure, not a crash of the suite
        check(False, "%s raised %r" % (fault.__name__, error))
    print("   (%.1f s)" % (time.time() - started), flush=True)
finish("fault")
