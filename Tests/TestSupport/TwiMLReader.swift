import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses a TwiML document with a real XML parser and returns its elements in document
/// order, as (name, attributes, text).
public final class TwiMLReader: NSObject, XMLParserDelegate {
    public struct Element: Sendable {
        public let name: String
        public let attributes: [String: String]
        public var text: String
    }
    public private(set) var elements: [Element] = []
    private var open: [Int] = []

    public static func read(_ document: String) throws -> [Element] {
        let reader = TwiMLReader()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw TestFailure("TwiML does not parse: \(parser.parserError.map { "\($0)" } ?? "?") in \(document)")
        }
        return reader.elements
    }

    public func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes, text: ""))
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
