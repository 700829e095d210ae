#!/usr/bin/env python3
"""Memory per idle subscriber, by protocol: the growth of herald's resident memory (VmRSS) while N
subscribers sit idle on plain HTTP/1.1, on HTTP/1.1 over TLS, and as HTTP/2 streams (100 per TLS
connection). One herald process per protocol, the test certificate of Tests/HeraldHubTests/Fixtures/tls.

    .venv/bin/python Benchmarks/idle-memory/measure.py PATH/TO/herald [N]      (needs PyPI h2)
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import h2.config
import h2.connection
import h2.events

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from browser_support import free_port  # noqa: E402

HERALD = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 500
TLS = os.path.join(ROOT, "Tests", "HeraldHubTests", "Fixtures", "tls")
REQUEST = b"GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n"


def start(tls):
    port = free_port()
    extra = ["--tls-cert", os.path.join(TLS, "server.pem"), "--tls-key", os.path.join(TLS, "server-key.pem")] if tls else []
    hub = subprocess.Popen([HERALD, "serve", "--port", str(port), "--data-dir", tempfile.mkdtemp(), "--log-level", "error",
                            "--no-subscriptions"] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    return hub, port


def rss(hub):
    with open("/proc/%d/status" % hub.pid) as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1])


def context(alpn=None):
    result = ssl.create_default_context(cafile=os.path.join(TLS, "ca.pem"))
    if alpn:
        result.set_alpn_protocols(alpn)
    return result


def http1(port, tls):
    sock = socket.create_connection(("127.0.0.1", port))
    if tls:
        sock = context().wrap_socket(sock, server_hostname="localhost")
    sock.sendall(REQUEST)
    sock.recv(4096)
    return [sock]


def http2(port, streams):
    sock = context(["h2"]).wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    headers = [(":method", "GET"), (":path", "/.well-known/mercure?topic=a"), (":scheme", "https"), (":authority", "localhost")]
    for index in range(streams):
        conn.send_headers(1 + 2 * index, headers, end_stream=True)
    sock.sendall(conn.data_to_send())
    answered, deadline = 0, time.time() + 20
    while answered < streams and time.time() < deadline:
        for event in conn.receive_data(sock.recv(65536)):
            if isinstance(event, h2.events.ResponseReceived):
                answered += 1
        sock.sendall(conn.data_to_send())
    return [(sock, conn)]


for name, tls, connect in (("plain HTTP/1.1", False, lambda port: http1(port, False)),
                           ("HTTP/1.1 over TLS", True, lambda port: http1(port, True)),
                           ("HTTP/2, 100 streams per connection", True, lambda port: http2(port, 100))):
    hub, port = start(tls)
    before = rss(hub)
    held = []
    per_call = 100 if "HTTP/2" in name else 1
    for _ in range(COUNT // per_call):
        held += connect(port)
    time.sleep(2)
    print("%-36s %d idle subscribers: %.1f KB each" % (name, COUNT, (rss(hub) - before) / COUNT), flush=True)
    hub.terminate()
    hub.wait(10)
