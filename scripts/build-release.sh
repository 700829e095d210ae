#!/usr/bin/env bash
# Builds herald in release mode into .build-release, for the benchmarks; prints the binary's path.
# A failed build stops the caller: measuring the previous binary without a word would be worse.
#
#   herald=$(bash scripts/build-release.sh LOG)
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-/dev/null}
if ! swift build -c release --product herald --scratch-path .build-release > "$log" 2>&1; then
    grep -E "error" "$log" >&2 || true
    echo "the release build failed" >&2
    exit 1
fi
echo "$(pwd)/.build-release/release/herald"
