"""What the browser, cluster and fault tests share: checks that are counted rather than stopping the
run, a free loopback port, polling with a limit, and a hub's history read back."""
import socket
import subprocess
import sys
import time

failures = []


def check(condition, message):
    """Prints ok or FAIL for one check and remembers failures for `finish`."""
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.1):
    """The first truthy value of `predicate` within `timeout` seconds, else its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def stop_process(process, timeout=10):
    """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def finish(what):
    """Exits non-zero if any check failed."""
    if failures:
        print("%d %s check(s) failed" % (len(failures), what))
        sys.exit(1)
    print("%s checks passed" % what)


def history_ids(port, topic, timeout=3):
    """The ids of a hub's whole history of `topic`, in order, read with `lastEventID=earliest`. The
    stream stays open after the history: the read timeout ends the read."""
    import http.client
    import urllib.parse
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", "/.well-known/mercure?lastEventID=earliest&topic=" + urllib.parse.quote(topic, safe=""))
    response = connection.getresponse()
    ids = []
    try:
        for line in iter(response.readline, b""):
            line = line.decode().rstrip("\r\n")
            if line.startswith("id:"):
                ids.append(line[3:].strip())
    except OSError:
        pass
    return ids
