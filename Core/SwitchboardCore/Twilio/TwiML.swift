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

    /// Appends `text` escaped for XML character data or a quoted attribute. Works on
    /// UTF-8 bytes: every byte that needs escaping or dropping is ASCII, except U+FFFE and
    /// U+FFFF (EF BF BE, EF BF BF), which XML 1.0 forbids too.
    static func escape(_ text: String, into output: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        var utf8 = text.utf8.makeIterator()
        var pending: [UInt8] = []
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "&"): bytes += Array("&amp;".utf8)
            case UInt8(ascii: "<"): bytes += Array("&lt;".utf8)
            case UInt8(ascii: ">"): bytes += Array("&gt;".utf8)
            case UInt8(ascii: "\""): bytes += Array("&quot;".utf8)
            case UInt8(ascii: "'"): bytes += Array("&apos;".utf8)
            case 0x09, 0x0A, 0x0D: bytes.append(byte)
            case 0x00..<0x20: continue  // no other control characters are allowed
            case 0xEF:
                // Look ahead for U+FFFE / U+FFFF.
                pending = [byte]
                if let second = utf8.next() {
                    pending.append(second)
                    if let third = utf8.next() { pending.append(third) }
                }
                if pending.count == 3 && pending[1] == 0xBF && (pending[2] == 0xBE || pending[2] == 0xBF) { continue }
                bytes += pending
            default: bytes.append(byte)
            }
        }
        output += String(decoding: bytes, as: UTF8.self)
    }
}
