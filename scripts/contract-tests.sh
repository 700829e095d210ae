#!/usr/bin/env bash
# Runs LaunchDarkly's SSE client contract suite (sse-contract-tests) against Herald's EventSource,
# through the test service in Tests/ContractTests/ContractTestService, and exits non-zero when any
# test fails.
#
#   scripts/contract-tests.sh                     the harness from $SSE_CONTRACT_TESTS, by default
#                                                 ../shared/tools/sse-contract-tests/sse-contract-tests
#   scripts/contract-tests.sh -run 'comments'     extra arguments go to the harness
set -euo pipefail
cd "$(dirname "$0")/.."
harness="${SSE_CONTRACT_TESTS:-../shared/tools/sse-contract-tests/sse-contract-tests}"
if [ ! -x "$harness" ]; then
    # This project's CI always has the harness beside the clone: missing there is a failure, not a skip.
    if [ "${CI:-}" = "true" ]; then
        echo "contract tests failed: no sse-contract-tests harness at $harness" >&2
        exit 1
    fi
    echo "contract tests skipped: no sse-contract-tests harness at $harness (set SSE_CONTRACT_TESTS)"
    exit 0
fi

swift build --product ContractTestService >/dev/null
service="$(swift build --show-bin-path)/ContractTestService"

# Two free loopback ports: one for the service, one for the harness's mock stream server.
read -r service_port harness_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
for s in sockets: s.close()')

"$service" "$service_port" &
service_pid=$!
trap 'kill "$service_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$service_port/" >/dev/null 2>&1; then break; fi
    sleep 0.1
done

status=0
"$harness" -url "http://127.0.0.1:$service_port" -host 127.0.0.1 -port "$harness_port" -stop-service-at-end "$@" || status=$?
wait "$service_pid" 2>/dev/null || true
trap - EXIT
if [ "$status" -ne 0 ]; then
    echo "contract tests failed (harness exit status $status)" >&2
fi
exit "$status"
