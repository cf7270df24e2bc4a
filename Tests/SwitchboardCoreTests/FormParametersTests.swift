import Testing

@testable import SwitchboardCore

@Suite("application/x-www-form-urlencoded decoding")
struct FormParametersTests {
    func decode(_ text: String) throws -> [(String, String)] {
        try FormParameters(decoding: Array(text.utf8)).pairs.map { ($0.name, $0.value) }
    }

    @Test(
        "as Twilio sends it",
        arguments: [
            ("To=%2B15551234567&From=%2B15557654321", [("To", "+15551234567"), ("From", "+15557654321")]),
            ("Body=Hello+world%21", [("Body", "Hello world!")]),
            ("Body=a%2Bb+c", [("Body", "a+b c")]),
            ("Digits=1&Digits=2&Digits=1", [("Digits", "1"), ("Digits", "2"), ("Digits", "1")]),
            ("Empty=&Other=x", [("Empty", ""), ("Other", "x")]),
            ("flag&x=1", [("flag", ""), ("x", "1")]),
            ("a=1&&b=2&", [("a", "1"), ("b", "2")]),
            ("", []),
            ("=value", [("", "value")]),
            ("k=a=b", [("k", "a=b")]),
            ("Body=%E2%9C%93+%C3%A9", [("Body", "✓ é")]),
            ("Body=%e2%9c%93", [("Body", "✓")]),
            ("Name=%F0%9F%98%80", [("Name", "😀")]),
            ("q=It's", [("q", "It's")]),
            ("a=%00b", [("a", "\u{0}b")]),
        ])
    func decodes(body: String, expected: [(String, String)]) throws {
        let pairs = try decode(body)
        #expect(pairs.map(\.0) == expected.map(\.0))
        #expect(pairs.map(\.1) == expected.map(\.1))
    }

    @Test(
        "bad escapes and bad UTF-8 are errors, not crashes",
        arguments: [
            ("To=%ZZ", FormDecodingError.invalidEscape),
            ("To=%2", .truncatedEscape),
            ("To=%", .truncatedEscape),
            ("To=%G1", .invalidEscape),
            ("To=%2&From=1", .truncatedEscape),  // an escape cut short by the next pair
            ("To%=1", .truncatedEscape),  // or by the value
            ("A=1&Body=%E2%9C", .invalidUTF8),  // a later pair's fault is found too
            ("Body=%E2%28%A1", .invalidUTF8),
            ("Body=%C3", .invalidUTF8),
            ("Body=%ED%A0%80", .invalidUTF8),  // an encoded surrogate
        ])
    func rejects(body: String, error: FormDecodingError) {
        #expect(throws: error) { try decode(body) }
    }

    @Test("raw bytes that are not UTF-8")
    func rawInvalidUTF8() {
        #expect(throws: FormDecodingError.invalidUTF8) { try FormParameters(decoding: [0x61, 0x3D, 0xFF, 0xFE]) }
    }

    @Test("each name and value is UTF-8 on its own, not only the text they share")
    func splitCharacter() {
        // %E2%9C%93 is one character; split between name and value, neither half is text.
        #expect(throws: FormDecodingError.invalidUTF8) { try decode("%E2%9C=%93") }
    }

    @Test("lookups: first value, every value")
    func lookups() throws {
        let form = try FormParameters(decoding: Array("a=1&b=2&a=3".utf8))
        #expect(form["a"] == "1")
        #expect(form["missing"] == nil)
        #expect(form.values(for: "a") == ["1", "3"])
    }

    @Test("encoding round-trips")
    func roundTrip() throws {
        let pairs = [("To", "+1 555"), ("Body", "a&b=c ✓ %")]
        let encoded = FormEncoding.encode(pairs)
        #expect(encoded == "To=%2B1+555&Body=a%26b%3Dc+%E2%9C%93+%25")
        #expect(try decode(encoded).map(\.1) == pairs.map(\.1))
    }
}
