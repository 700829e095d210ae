// libFuzzer entry point for the claims of a JWT: what jwt-kit decodes from a token's payload before
// its signature is checked, so any client can send it. Compiled together with MercureClaims.swift and
// JSONValue.swift by Fuzz/run.sh, against jwt-kit as the package builds it.
// It checks invariants, not only the absence of crashes:
//   1. a payload decodes to claims or throws; claims that decode encode and decode again to the same
//      claims (the `mercure` claim exactly, the dates to the millisecond);
//   2. a whole token (header.payload.signature) is parsed or refused with an error, the same way;
//   3. both in bounded time: a nesting or a number that makes decoding blow up is a finding
//      (libFuzzer's -timeout).
import Foundation
import JWTKit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWTClaims(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let rest = Array(input.dropFirst())
    if mode % 2 == 0 {
        if let claims = try? JSONDecoder.defaultForJWT.decode(MercureClaims.self, from: Data(rest)) {
            checkRoundTrip(claims, from: rest)
        }
    } else {
        if let (_, claims, _) = try? DefaultJWTParser().parse(rest, as: MercureClaims.self) {
            checkRoundTrip(claims, from: rest)
        }
    }
    return 0
}

private func checkRoundTrip(_ claims: MercureClaims, from input: [UInt8]) {
    let encoded: Data
    do {
        encoded = try JSONEncoder.defaultForJWT.encode(claims)
    } catch {
        fatalError("claims decoded from \(input) do not encode: \(error)")
    }
    let again: MercureClaims
    do {
        again = try JSONDecoder.defaultForJWT.decode(MercureClaims.self, from: encoded)
    } catch {
        fatalError("claims decoded from \(input) encode to \(String(decoding: encoded, as: UTF8.self)), which does not decode: \(error)")
    }
    guard again.mercure == claims.mercure else {
        fatalError("the mercure claim of \(input) changed in a round trip: \(String(describing: claims.mercure)) became \(String(describing: again.mercure))")
    }
    // Dates pass through seconds since 1970 as a Double: equal to well under a millisecond.
    func close(_ a: Date?, _ b: Date?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return a == b || abs(a.timeIntervalSince1970 - b.timeIntervalSince1970) <= max(1e-3, abs(a.timeIntervalSince1970) * 1e-12)
        default: return false
        }
    }
    guard close(claims.exp?.value, again.exp?.value), close(claims.nbf?.value, again.nbf?.value) else {
        fatalError("the exp or nbf claim of \(input) changed in a round trip")
    }
}
