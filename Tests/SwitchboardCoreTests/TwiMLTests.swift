import Foundation
import Testing
@testable import SwitchboardCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses a TwiML document with a real XML parser and returns its elements in document
/// order, as (name, attributes, text).
final class TwiMLReader: NSObject, XMLParserDelegate {
    struct Element { let name: String; let attributes: [String: String]; var text: String }
    private(set) var elements: [Element] = []
    private var open: [Int] = []

    static func read(_ document: String) throws -> [Element] {
        let reader = TwiMLReader()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw TestFailure("TwiML does not parse: \(parser.parserError.map { "\($0)" } ?? "?") in \(document)")
        }
        return reader.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes, text: ""))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("TwiML")
struct TwiMLTests {
    @Test("a document starts with <?xml and has Response as its root")
    func document() throws {
        let document = TwiML.response([TwiMLElement("Say", text: "Hello"), TwiMLElement("Hangup")])
        #expect(document == #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>"#)
        #expect(try TwiMLReader.read(document).map(\.name) == ["Response", "Say", "Hangup"])
    }

    @Test("text and attributes are escaped; forbidden characters dropped", arguments: [
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
        let expected = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0xFFFE || $0 == "\n" }))
        #expect(elements[1].text == expected)
        #expect(elements[1].attributes["voice"] == expected)
    }

    @Test("nil attributes are left out")
    func nilAttributes() {
        #expect(TwiML.response([TwiMLElement("Number", [("url", nil)], text: "+1")]).contains("<Number>+1</Number>"))
    }
}
