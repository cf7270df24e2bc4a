#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The strict RFC 8259 reader behind ``JSONValue`` and the protocol's readers: UTF-8
/// only, no trailing commas or comments, control characters escaped, surrogate pairs
/// joined and lone ones refused, nesting limited to ``JSONValue/maximumDepth``.
///
/// It reads a value at a time from `bytes`, so a reader that knows the shape it expects
/// (``ProtocolReader``) can take the values it wants as it meets them, without building
/// a tree of the whole document.
@usableFromInline
package struct JSONParser {
    // @usableFromInline, as MemberName: without it a package type's @inlinable members
    // are quietly not inlined in other modules.
    @usableFromInline package let bytes: [UInt8]
    @usableFromInline package var index = 0

    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // Inlinable, as skipString, memberName and MemberName's ~=: the protocol's reader, in
    // another module, calls them for every member of every event (some 4,500 instructions
    // a warm event when they are called rather than inlined; make bench's batch).
    @inlinable
    package mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    package func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    package mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONValue.maximumDepth else { throw fail("nested deeper than \(JSONValue.maximumDepth) levels") }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character")
        }
    }

    package mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("unexpected character")
        }
        index += count
    }

    package mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            members[key] = try value(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw fail("expected ',' or '}'")
        }
    }

    package mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }

    package mutating func number() throws(JSONParseError) -> String {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, parser.bytes[parser.index] >= 0x30,
                parser.bytes[parser.index] <= 0x39
            {
                parser.index += 1
            }
            return parser.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw fail("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    @usableFromInline
    package mutating func string() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes; validate the run as UTF-8 in one go (ASCII needs none).
        let (end, ascii) = bytes.withUnsafeBufferPointer { JSONText.plainRun(in: $0, from: start) }
        index = end
        if index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = text(start..<index, ascii: ascii) else { throw fail("string is not valid UTF-8") }
                index += 1
                return text
            }
            guard byte >= 0x20 else { throw fail("unescaped control character in string") }
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else {
                    throw fail("string is not valid UTF-8")
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw fail("unpaired surrogate in string")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate in string")
                    }
                    decoded.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    throw fail("invalid escape in string")
                }
            default:
                guard byte >= 0x20 else { throw fail("unescaped control character in string") }
                decoded.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Checks the string ahead as ``string()`` does, without making it.
    @inlinable
    package mutating func skipString() throws(JSONParseError) {
        let start = index + 1
        let (end, ascii) = bytes.withUnsafeBufferPointer { JSONText.plainRun(in: $0, from: start) }
        if ascii, end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return
        }
        _ = try string()  // escapes, other UTF-8, or a fault: the full reading says which
    }

    /// An object member's name: its bytes straight from the text when it has no escapes
    /// (the case of every name a reader looks for), decoded otherwise.
    @inlinable
    package mutating func memberName() throws(JSONParseError) -> MemberName {
        let start = index + 1
        let (end, ascii) = bytes.withUnsafeBufferPointer { JSONText.plainRun(in: $0, from: start) }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\""), ascii || text(start..<end, ascii: false) != nil {
            index = end + 1
            return MemberName(bytes: bytes[start..<end])
        }
        return MemberName(bytes: ArraySlice(try string().utf8))
    }

    /// The bytes in `range` as a string; `nil` when they are not UTF-8.
    @usableFromInline
    func text(_ range: Range<Int>, ascii: Bool) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            let run = UnsafeBufferPointer(rebasing: buffer[range])
            return ascii ? String(decoding: run, as: UTF8.self) : String(validating: run, as: UTF8.self)
        }
    }

    package mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

/// An object member's name as the text spells it, escapes decoded: compared with the
/// names a reader expects byte for byte (`case "id":`), and made a `String` only when
/// one is needed.
@usableFromInline
package struct MemberName {
    @usableFromInline package let bytes: ArraySlice<UInt8>

    @usableFromInline
    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    package var text: String { String(decoding: bytes, as: UTF8.self) }

    @inlinable
    package static func ~= (expected: StaticString, name: MemberName) -> Bool {
        guard name.bytes.count == expected.utf8CodeUnitCount else { return false }
        return name.bytes.withUnsafeBufferPointer { name in
            name.isEmpty || memcmp(name.baseAddress!, expected.utf8Start, name.count) == 0
        }
    }
}
