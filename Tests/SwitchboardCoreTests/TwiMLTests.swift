import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

@Suite("TwiML")
struct TwiMLTests {
    @Test("a document starts with <?xml and has Response as its root")
    func document() throws {
        let document = TwiML.response([TwiMLElement("Say", text: "Hello"), TwiMLElement("Hangup")])
        #expect(document == #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>"#)
        #expect(try TwiMLReader.read(document).map(\.name) == ["Response", "Say", "Hangup"])
    }

    @Test(
        "text and attributes are escaped; forbidden characters dropped",
        arguments: [
            "Tom & Jerry <b>\"quoted\"</b> 'single'",
            "</Say><Dial>+15550000000</Dial><Say>",
            "bell\u{7} null\u{0} escape\u{1B} ok",
            "]]> <!-- comment --> <?pi?>",
            "unicode ✓ 日本 😀 \u{FFFE}",
        ])
    func escaping(text: String) throws {
        let document = TwiML.response([TwiMLElement("Say", [("voice", text)], text: text)])
        let elements = try TwiMLReader.read(document)
        #expect(elements.map(\.name) == ["Response", "Say"])
        let expected = String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0xFFFE || $0 == "\n" }))
        #expect(elements[1].text == expected)
        #expect(elements[1].attributes["voice"] == expected)
    }

    @Test("nil attributes are left out")
    func nilAttributes() {
        #expect(TwiML.response([TwiMLElement("Number", [("url", nil)], text: "+1")]).contains("<Number>+1</Number>"))
    }
}
