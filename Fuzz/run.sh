#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer (and AddressSanitizer) and runs each for the given time:
#   parser     ServerSentEventParser (Fuzz/ParserFuzzTarget.swift)
#   hub-input  the hub's form and query fields and topic selectors (Fuzz/HubInputFuzzTarget.swift)
#   jwt-claims a token's claims as jwt-kit decodes them, before any signature is checked
#              (Fuzz/JWTClaimsFuzzTarget.swift; it links jwt-kit as `swift build` compiled it)
#   Fuzz/run.sh [seconds]     (default 60 each; FUZZ_TARGETS="jwt-claims" runs only those named)
# Findings are written to Fuzz/.work/TARGET/crashes/; each corpus grows in Fuzz/.work/TARGET/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=" ${FUZZ_TARGETS:-parser hub-input jwt-claims} "
# Swift's own crash backtracer can hang a fuzzer that found something; libFuzzer reports it instead.
export SWIFT_BACKTRACE=enable=no
status=0

fuzz() {  # fuzz NAME MODULE MAX_LEN SOURCES...
    local name=$1 module=$2 max_len=$3; shift 3
    local work="Fuzz/.work/$name"
    mkdir -p "$work/corpus" "$work/crashes"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$module" "$@" -o "$work/fuzzer" > "$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; echo "fuzz $name: the target did not build" >&2; return 1; }
    # -timeout: an input that takes seconds (a matcher gone super-linear) is a finding too.
    "$work/fuzzer" "$work/corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=5 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" > "$work/last-run.log" 2>&1 || true
    grep -E "^(#[0-9]+ +DONE|==|SUMMARY|Fatal)|Fatal error" "$work/last-run.log" || true
    if ls "$work/crashes/"* >/dev/null 2>&1; then
        echo "fuzz $name: findings in $work/crashes/" >&2
        return 1
    fi
    grep -q "Done [0-9]* runs" "$work/last-run.log" || { echo "fuzz $name: the fuzzer did not complete; see $work/last-run.log" >&2; return 1; }
    echo "fuzz $name: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$work/last-run.log"), no findings"
}

mkdir -p Fuzz/.work/parser/corpus Fuzz/.work/hub-input/corpus
cp Tests/ServerSentEventsTests/Fixtures/*.txt Fuzz/.work/parser/corpus/ 2>/dev/null || true
# Seeds for the hub's inputs: a form with escapes, and a template with a string that expands it.
printf '\x00topic=a&data=%%7B%%22x%%22%%3A1%%7D&id=%%E2%%82%%AC+1' > Fuzz/.work/hub-input/corpus/form
printf '\x01https://example.com/books/{id}{?page,size}\x00https://example.com/books/42?page=2' > Fuzz/.work/hub-input/corpus/template

# jwt-kit and what it needs, from the package's own debug build: only Herald's files are
# instrumented, jwt-kit's decoding runs as built (its crashes and hangs are still findings).
swift build --target JWTKit > Fuzz/.work/jwt-kit-build.log 2>&1 || { cat Fuzz/.work/jwt-kit-build.log >&2; exit 1; }
debug=$(swift build --show-bin-path)
jwt_kit_objects=()
for module in JWTKit Crypto CryptoExtras _CryptoExtras CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims \
    X509 SwiftASN1 _CertificateInternals Logging ExtrasBase64; do
    if [ -d "$debug/$module.build" ]; then
        while IFS= read -r object; do jwt_kit_objects+=("$object"); done < <(find "$debug/$module.build" -name '*.o')
    fi
done
mkdir -p Fuzz/.work/jwt-claims/corpus
# Seeds: a payload with every claim, and a whole token carrying it.
printf '\x00{"exp":1893456000,"nbf":1.5e9,"mercure":{"publish":["*"],"subscribe":["https://example.com/{id}"],"payload":{"user":[1,true,null,"x"]}}}' \
    > Fuzz/.work/jwt-claims/corpus/payload
printf '\x01eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtZXJjdXJlIjp7InB1Ymxpc2giOlsiKiJdLCJzdWJzY3JpYmUiOlsiKiJdfX0.s4IPyOU7_zM025ujegZ5Wk_uMauqLrdhjwgIXlFv2_M' \
    > Fuzz/.work/jwt-claims/corpus/token

[[ $targets == *" parser "* ]] && { fuzz parser ServerSentEventsFuzz 4096 Sources/ServerSentEvents/*/*.swift Fuzz/ParserFuzzTarget.swift || status=1; }
[[ $targets == *" hub-input "* ]] && { fuzz hub-input HubInputFuzz 512 Sources/HeraldHub/Routes/FormFields.swift Sources/HeraldHub/Topics/URITemplate.swift \
    Fuzz/HubInputFuzzTarget.swift || status=1; }
[[ $targets == *" jwt-claims "* ]] && { fuzz jwt-claims JWTClaimsFuzz 2048 -I "$debug/Modules" Sources/HeraldHub/Auth/MercureClaims.swift Sources/HeraldHub/Auth/JSONValue.swift \
    Fuzz/JWTClaimsFuzzTarget.swift "${jwt_kit_objects[@]}" || status=1; }
exit "$status"
