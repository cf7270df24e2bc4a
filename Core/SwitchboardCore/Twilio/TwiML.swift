/// One TwiML element: a verb or noun, its attributes, and its text or children.
///
/// Everything written, names aside, is escaped, and characters XML 1.0 forbids are
/// dropped, so a company's greeting or whisper text can never break the document or
/// inject verbs of its own.
public struct TwiMLElement: Sendable, Equatable {
    public let name: String
    public let attributes: [Attribute]
    public let text: String?
    public let children: [TwiMLElement]

    /// An attribute; `nil` values are left out.
    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// An element. Attributes whose value is `nil` are omitted.
    public init(_ name: String, _ attributes: [(String, String?)] = [], text: String? = nil, children: [TwiMLElement] = []) {
        self.name = name
        self.attributes = attributes.compactMap { pair in pair.1.map { Attribute(name: pair.0, value: $0) } }
        self.text = text
        self.children = children
    }

    func write(into output: inout String) {
        output += "<" + name
        for attribute in attributes {
            output += " " + attribute.name + "=\""
            TwiML.escape(attribute.value, into: &output)
            output += "\""
        }
        if text == nil && children.isEmpty {
            output += "/>"
            return
        }
        output += ">"
        if let text { TwiML.escape(text, into: &output) }
        for child in children { child.write(into: &output) }
        output += "</" + name + ">"
    }
}

/// TwiML documents: the XML Twilio reads to decide what a call or message does next.
public enum TwiML {
    /// The content type every TwiML response carries.
    public static let contentType = "text/xml"

    /// A complete document, `<?xml …?><Response>…</Response>`.
    public static func response(_ verbs: [TwiMLElement]) -> String {
        var output = #"<?xml version="1.0" encoding="UTF-8"?>"#
        TwiMLElement("Response", children: verbs).write(into: &output)
        return output
    }

    /// Appends `text` escaped for XML character data or a quoted attribute.
    static func escape(_ text: String, into output: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            default:
                // XML 1.0 allows no other control characters, no surrogates (Swift has
                // none) and not U+FFFE/U+FFFF.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                output.unicodeScalars.append(scalar)
            }
        }
    }
}
