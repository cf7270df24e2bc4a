import Testing

@testable import SwitchboardCore

@Suite("Content-Type media types")
struct MediaTypeTests {
    @Test(
        "the type before the parameters, trimmed and lower-cased",
        arguments: [
            ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
            ("Application/X-WWW-Form-URLEncoded; charset=utf-8", "application/x-www-form-urlencoded"),
            (" \tapplication/json ;charset=UTF-8", "application/json"),
            ("application/json\r\n", "application/json"),
            ("", ""), ("   ", ""), ("; charset=utf-8", ""),
            ("text/plain;a=b;c=d", "text/plain"),
            ("appli\u{00A0}cation/json", "appli\u{00A0}cation/json"),  // not ASCII: kept as it is, matches nothing
        ])
    func mediaType(header: String, expected: String) {
        #expect(MediaType.of(header) == expected)
    }

    @Test(
        "trimming ASCII white space keeps everything between",
        arguments: [
            ("  a b\t", "a b"), ("\r\n✓\r\n", "✓"), (" \u{00A0}x ", "\u{00A0}x"), ("", ""), (" \t\r\n", ""),
        ])
    func trimming(text: String, expected: String) {
        #expect(text.trimmingASCIIWhitespace() == expected)
    }
}
