#!/usr/bin/env bash
# Runs every Herald test on a fresh machine. It installs what is missing (Debian's chromium, nginx
# and postgresql with apt-get, playwright into ./.venv with pip), starts a throw-away PostgreSQL
# (scripts/postgres.sh, stopped at the end), builds with a zero-warning check, runs the Swift tests
# (the protocol suite against SQLite and PostgreSQL), LaunchDarkly's SSE client contract suite against
# EventSource, a cluster of three nodes behind nginx, the fault suite (crashes, a full disk, no file
# descriptors left), the browser tests (the demo page in three tabs, the hub, HTTP/2, CORS and
# herald.js's sharing and long polling) in a real Chromium, and a short
# fuzz run of the parser.
#
#   scripts/test.sh                     everything (FUZZ_SECONDS=60 by default)
#   FUZZ_SECONDS=300 scripts/test.sh    a longer fuzz run
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_seconds="${FUZZ_SECONDS:-60}"
artifacts="$root/test-artifacts"
mkdir -p "$artifacts"

step() { printf '\n== %s\n' "$*"; }

step "Installing what the tests need"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)  # the hub test runs the curl line herald prints
command -v ss >/dev/null 2>&1 || missing+=(iproute2)  # the HTTP/2 test counts the hub's TCP connections
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)  # the cluster's load balancer
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}"
fi
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# playwright drives Chromium; h2 is the raw HTTP/2 client of the fault suite's stalled stream.
if ! .venv/bin/python -c "import playwright, h2" >/dev/null 2>&1; then
    .venv/bin/pip install -q playwright h2
fi

step "Starting a throw-away PostgreSQL"
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop "$HERALD_TEST_POSTGRES_DIR" >/dev/null 2>&1 || true' EXIT
echo "PostgreSQL for the tests: $HERALD_TEST_POSTGRES_URL"

step "Format: swift format lint (.swift-format, hummingbird's house style)"
swift format lint --strict --recursive Sources Tests Package.swift

step "Building (warnings in Herald's own code fail the run)"
status=0
swift build --build-tests > "$artifacts/build.log" 2>&1 || status=$?
grep -vE '^\[[0-9]+/[0-9]+\]|swift-distributed-tracing|CMakeLists.txt' "$artifacts/build.log" || true
if [ "$status" -ne 0 ]; then echo "build failed" >&2; exit 1; fi
if grep -E "^$root/(Sources|Tests)/.*: warning: |^warning: '$(basename "$root")': " "$artifacts/build.log" | sort -u | grep .; then
    echo "the build printed warnings in Herald's code" >&2
    exit 1
fi

step "Documentation: the DocC catalogs, with warnings (a broken symbol link) as errors"
status=0
swift package --disable-sandbox generate-documentation --warnings-as-errors \
    --target ServerSentEvents --target HummingbirdSSE --target EventSourceClient \
    --target HeraldHub --target HeraldDemo --target HeraldSQLite --target HeraldPostgres --target HeraldTesting > "$artifacts/documentation.log" 2>&1 || status=$?
grep -E '^(error|warning): ' "$artifacts/documentation.log" | grep -v 'swift-distributed-tracing' || true
if [ "$status" -ne 0 ]; then echo "the documentation did not build; see $artifacts/documentation.log" >&2; exit 1; fi

step "Swift tests"
status=0
swift test --skip-build > "$artifacts/swift-test.log" 2>&1 || status=$?
# Passing tests are in the log; print what matters: failures, measurements, the summary.
grep -E '✘|HummingbirdSSE:|HeraldHub:|Test run with|Executed' "$artifacts/swift-test.log" || true
if [ "$status" -ne 0 ]; then echo "swift tests failed; see $artifacts/swift-test.log" >&2; exit 1; fi

step "LaunchDarkly's SSE client contract suite against EventSource"
status=0
bash scripts/contract-tests.sh > "$artifacts/contract-tests.log" 2>&1 || status=$?
# The harness lists every test it ran; print the summary and any failure.
grep -E 'FAIL|All tests passed|skipped|Status query|contract tests' "$artifacts/contract-tests.log" || true
if [ "$status" -ne 0 ]; then echo "contract tests failed; see $artifacts/contract-tests.log" >&2; exit 1; fi

step "Cluster: three nodes on PostgreSQL behind nginx, one killed mid-stream"
.venv/bin/python Tests/Cluster/cluster_test.py .build/debug/herald "$artifacts"

step "Faults: kill -9 and SIGTERM under publishers, a full disk, no file descriptors left, stalled and silent HTTP/2 clients"
.venv/bin/python Tests/Faults/fault_test.py .build/debug/herald "$artifacts"

step "Browser test: the demo page in three tabs of Chromium"
.venv/bin/python Tests/Browser/demo_page_test.py .build/debug/herald "$artifacts"

step "Browser test: the hub, herald publish, reconnection and a restart"
.venv/bin/python Tests/Browser/hub_test.py .build/debug/herald "$artifacts"

step "Browser test: HTTP/2, CORS and herald.js (sharing, long polling, tokens)"
.venv/bin/python Tests/Browser/client_test.py .build/debug/herald "$artifacts"

step "Fuzzing the parser, the hub's request inputs and JWT claims, ${fuzz_seconds}s each"
Fuzz/run.sh "$fuzz_seconds"

step "All tests passed"
