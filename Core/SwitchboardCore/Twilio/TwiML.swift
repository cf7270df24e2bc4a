import SwitchboardJSON

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
    public init(
        _ name: String, _ attributes: [(String, String?)] = [], text: String? = nil, children: [TwiMLElement] = []
    ) {
        self.name = name
        self.attributes = attributes.compactMap { pair in pair.1.map { Attribute(name: pair.0, value: $0) } }
        self.text = text
        self.children = children
    }

    func write(into output: inout [UInt8]) {
        output.append(UInt8(ascii: "<"))
        output.append(utf8Of: name)
        for attribute in attributes {
            output.append(UInt8(ascii: " "))
            output.append(utf8Of: attribute.name)
            output.append(literal: #"=""#)
            TwiML.escape(attribute.value, into: &output)
            output.append(UInt8(ascii: "\""))
        }
        if text == nil && children.isEmpty {
            output.append(literal: "/>")
            return
        }
        output.append(UInt8(ascii: ">"))
        if let text { TwiML.escape(text, into: &output) }
        for child in children { child.write(into: &output) }
        output.append(literal: "</")
        output.append(utf8Of: name)
        output.append(UInt8(ascii: ">"))
    }
}

/// TwiML documents: the XML Twilio reads to decide what a call or message does next.
public enum TwiML {
    /// The content type every TwiML response carries.
    public static let contentType = "text/xml"

    /// A complete document, `<?xml …?><Response>…</Response>`.
    public static func response(_ verbs: [TwiMLElement]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        output.append(literal: #"<?xml version="1.0" encoding="UTF-8"?>"#)
        TwiMLElement("Response", children: verbs).write(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `text` escaped for XML character data or a quoted attribute. Works on
    /// UTF-8 bytes: every byte that needs escaping or dropping is ASCII, except U+FFFE and
    /// U+FFFF (EF BF BE, EF BF BF), which XML 1.0 forbids too. Runs that need nothing
    /// are copied whole.
    static func escape(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                guard needsAttention(byte) else {
                    index += 1
                    continue
                }
                let replacement: StaticString
                var skip = 1
                switch byte {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&apos;"
                case 0x09, 0x0A, 0x0D:
                    index += 1
                    continue
                case 0x00..<0x20:
                    replacement = ""  // no other control characters are allowed
                case 0xEF
                where index + 2 < bytes.count && bytes[index + 1] == 0xBF
                    && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
                    replacement = ""  // U+FFFE, U+FFFF
                    skip = 3
                default:
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(literal: replacement)
                index += skip
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
    }

    /// Bytes below `@` that XML escapes or drops, one bit each: the control characters
    /// but tab, line feed and carriage return (bits 0–31), `"` (34), `&` (38), `'` (39),
    /// `<` (60) and `>` (62).
    private static let specialBelow64: UInt64 = 0x5000_00C4_FFFF_D9FF

    /// Whether `byte` may need escaping or dropping (0xEF may start U+FFFE or U+FFFF):
    /// one test for the plain bytes that make up nearly all of a document.
    private static func needsAttention(_ byte: UInt8) -> Bool {
        byte < 64 ? specialBelow64 & (1 << UInt64(byte)) != 0 : byte == 0xEF
    }
}
