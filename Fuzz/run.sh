#!/usr/bin/env bash
# Builds the parser fuzz target with libFuzzer (and AddressSanitizer) and runs it.
#   Fuzz/run.sh [seconds]     (default 60)
# Findings are written to Fuzz/.work/crashes/; the corpus grows in Fuzz/.work/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work=Fuzz/.work
mkdir -p "$work/corpus" "$work/crashes"
cp Tests/ServerSentEventsTests/Fixtures/*.txt "$work/corpus/" 2>/dev/null || true

swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -module-name ServerSentEventsFuzz \
    Sources/ServerSentEvents/*/*.swift Fuzz/ParserFuzzTarget.swift \
    -o "$work/parser-fuzzer" > "$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; echo "fuzz: the target did not build" >&2; exit 1; }

"$work/parser-fuzzer" "$work/corpus" \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/" 2>&1 | tee "$work/last-run.log" | grep -E "^(#[0-9]+ +DONE|stat::|==|SUMMARY|Fatal)" || true

if ls "$work/crashes/"* >/dev/null 2>&1; then
    echo "fuzz: findings in $work/crashes/" >&2
    exit 1
fi
grep -q "Done [0-9]* runs" "$work/last-run.log" || { echo "fuzz: the fuzzer did not complete; see $work/last-run.log" >&2; exit 1; }
echo "fuzz: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$work/last-run.log"), no findings"
