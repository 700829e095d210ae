#!/usr/bin/env bash
# The codec benchmark, Herald beside swift-openapi-runtime and httpx-sse on the same bytes, in one run.
#   Benchmarks/run-codec.sh            (about 5 minutes once built; the first release build takes longer)
# Writes Benchmarks/.results/codec.md: the table for Benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p .results
python3 inputs/generate.py
[ -x ../.venv/bin/python ] || python3 -m venv ../.venv
../.venv/bin/python -c "import httpx_sse" 2>/dev/null || ../.venv/bin/pip install -q httpx httpx-sse
swift package --scratch-path ../.build-release-bench --disable-sandbox benchmark --target CodecBenchmarks \
    --format markdown --no-progress > .results/swift.md
../.venv/bin/python python/httpx_sse_decode.py > .results/httpx.json
../.venv/bin/python summarize.py .results/swift.md .results/httpx.json | tee .results/codec.md
