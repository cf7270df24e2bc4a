import SwitchboardJSON

/// The parameters of an `application/x-www-form-urlencoded` body, in the order sent.
///
/// Twilio posts its webhooks in this encoding. Decoding keeps every pair, repeated names
/// included, because the request signature covers all of them: dropping or merging one
/// would make a genuine request fail validation.
///
/// The decoded text of every name and value is kept in one buffer, with where each lies
/// in it. A webhook reads only a few of its parameters, and signs all of them as bytes:
/// a string is made only for a value asked for by name.
public struct FormParameters: Sendable, Equatable {
    /// Where one pair's name and value lie in the decoded text.
    package struct Span: Sendable, Equatable {
        package var name: Range<Int>
        package var value: Range<Int>
    }

    /// The decoded names and values, one after the other. Two forms are equal when their
    /// pairs are the same bytes in the same order, as Twilio compares what it signs.
    private let text: [UInt8]
    /// Each pair, in the order it appeared.
    package let spans: [Span]

    /// Parameters from already-decoded pairs.
    public init(_ pairs: [(name: String, value: String)]) {
        var text: [UInt8] = []
        var spans: [Span] = []
        spans.reserveCapacity(pairs.count)
        for pair in pairs {
            let nameStart = text.count
            text.append(utf8Of: pair.name)
            let valueStart = text.count
            text.append(utf8Of: pair.value)
            spans.append(Span(name: nameStart..<valueStart, value: valueStart..<text.count))
        }
        self.text = text
        self.spans = spans
    }

    /// Decodes a form body: `&` separates pairs, the first `=` separates name from value,
    /// `+` is a space and `%XX` an escaped byte. Empty segments (`a=1&&b=2`) are skipped; a
    /// segment without `=` is a name with an empty value.
    ///
    /// - Throws: ``FormDecodingError`` when an escape is not two hex digits or the
    ///   decoded bytes are not UTF-8.
    public init(decoding body: some Collection<UInt8>) throws(FormDecodingError) {
        let decoded: Result<([UInt8], [Span]), FormDecodingError>? = body.withContiguousStorageIfAvailable {
            Self.decode($0)
        }
        switch decoded ?? Array(body).withUnsafeBufferPointer({ Self.decode($0) }) {
        case .success(let (text, spans)):
            self.text = text
            self.spans = spans
        case .failure(let error):
            throw error
        }
    }

    /// Every `(name, value)` pair, in the order they appeared.
    public var pairs: [(name: String, value: String)] {
        spans.map { (string(at: $0.name), string(at: $0.value)) }
    }

    /// The first value sent for `name` (names are compared as UTF-8 bytes), or `nil`
    /// when it was not sent.
    public subscript(name: String) -> String? {
        var name = name
        let index = name.withUTF8 { name in
            text.withUnsafeBufferPointer { text in spans.firstIndex { Self.equal(text, $0.name, name) } }
        }
        return index.map { string(at: spans[$0].value) }
    }

    /// Every value sent for `name`, in order.
    public func values(for name: String) -> [String] {
        var name = name
        let matches = name.withUTF8 { name in
            text.withUnsafeBufferPointer { text in spans.filter { Self.equal(text, $0.name, name) } }
        }
        return matches.map { string(at: $0.value) }
    }

    /// The decoded text: each pair's name then its value, pair after pair in order, with
    /// nothing between them. The spans point into it.
    package func withText<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try text.withUnsafeBufferPointer(body)
    }

    /// The pairs as a form body (or query string), escaped as ``FormEncoding`` does, so
    /// decoding gives back exactly these pairs.
    public var encoded: String {
        FormEncoding.encode(pairs.map { ($0.name, $0.value) })
    }

    private static func equal(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ bytes: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        range.count == bytes.count && utf8Order(UnsafeBufferPointer(rebasing: text[range]), bytes) == 0
    }

    /// The text in `range`, which decoding checked to be UTF-8.
    private func string(at range: Range<Int>) -> String {
        text.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    // MARK: Decoding

    /// Decodes `body` into one buffer of names and values, and where each pair lies in it.
    private static func decode(_ body: UnsafeBufferPointer<UInt8>) -> Result<([UInt8], [Span]), FormDecodingError> {
        var spans: [Span] = []
        var failure: FormDecodingError?
        // Decoding never makes the text longer, so the body's length is room enough.
        let text = [UInt8](unsafeUninitializedCapacity: body.count) { text, count in
            var index = 0
            var written = 0
            do throws(FormDecodingError) {
                while index < body.count {
                    guard body[index] != UInt8(ascii: "&") else {  // an empty segment
                        index += 1
                        continue
                    }
                    let nameStart = written
                    try unescape(body, from: &index, until: .ampersandOrEquals, into: text, at: &written)
                    let valueStart = written
                    if index < body.count, body[index] == UInt8(ascii: "=") {
                        index += 1
                        try unescape(body, from: &index, until: .ampersand, into: text, at: &written)
                    }
                    if spans.isEmpty { spans.reserveCapacity(24) }
                    spans.append(Span(name: nameStart..<valueStart, value: valueStart..<written))
                    index += 1  // past the `&`
                }
            } catch {
                failure = error
            }
            count = written
        }
        if let failure { return .failure(failure) }
        return .success((text, spans))
    }

    /// Decodes `%XX` escapes (and `+` as a space, unless `plusIsSpace` is false).
    static func unescape(_ bytes: some Collection<UInt8>, plusIsSpace: Bool = true) throws(FormDecodingError) -> String
    {
        let input = Array(bytes)
        var failure: FormDecodingError?
        let output = input.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: input.count) { output, count in
                var index = 0
                do throws(FormDecodingError) {
                    try unescape(input, from: &index, until: .end, plusIsSpace: plusIsSpace, into: output, at: &count)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return String(decoding: output, as: UTF8.self)
    }

    /// Where a piece of text ends, besides the end of the input.
    private enum PieceEnd {
        case end, ampersand, ampersandOrEquals
    }

    /// Unescapes `input` from `index` up to the byte that ends the piece (left at
    /// `index`), writing into `output` from `written`. What it writes must be UTF-8 on
    /// its own.
    @inline(__always)
    private static func unescape(
        _ input: UnsafeBufferPointer<UInt8>, from index: inout Int, until pieceEnd: PieceEnd, plusIsSpace: Bool = true,
        into output: UnsafeMutableBufferPointer<UInt8>, at written: inout Int
    ) throws(FormDecodingError) {
        let endsAtAmpersand = pieceEnd != .end
        let endsAtEquals = pieceEnd == .ampersandOrEquals
        let start = written
        var highBits: UInt8 = 0
        var at = index
        var count = written
        defer {
            index = at
            written = count
        }
        func endsPiece(_ position: Int) -> Bool {
            guard position < input.count else { return true }
            let byte = input[position]
            return (byte == UInt8(ascii: "&") && endsAtAmpersand) || (byte == UInt8(ascii: "=") && endsAtEquals)
        }
        while !endsPiece(at) {
            var byte = input[at]
            if byte == UInt8(ascii: "%") {
                guard !endsPiece(at + 1), !endsPiece(at + 2) else { throw .truncatedEscape }
                guard let high = hexValue(input[at + 1]), let low = hexValue(input[at + 2]) else {
                    throw .invalidEscape
                }
                byte = high << 4 | low
                at += 2
            } else if byte == UInt8(ascii: "+"), plusIsSpace {
                byte = UInt8(ascii: " ")
            }
            highBits |= byte
            output[count] = byte
            count += 1
            at += 1
        }
        // ASCII is UTF-8 as it is; anything else is validated.
        if highBits >= 0x80, !isUTF8(UnsafeBufferPointer(rebasing: output[start..<count])) { throw .invalidUTF8 }
    }

    /// Whether `bytes` are well-formed UTF-8 (no surrogates, no overlong forms).
    private static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a form body could not be decoded.
public enum FormDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `%` not followed by two characters.
    case truncatedEscape
    /// A `%` followed by something other than two hex digits.
    case invalidEscape
    /// The decoded bytes are not valid UTF-8.
    case invalidUTF8

    public var description: String {
        switch self {
        case .truncatedEscape: "form body has a % escape cut short"
        case .invalidEscape: "form body has a % escape that is not two hex digits"
        case .invalidUTF8: "form body is not valid UTF-8 once unescaped"
        }
    }
}

/// Percent-encoding for the URLs and bodies Switchboard writes itself.
enum FormEncoding {
    /// Encodes `text` for a query string or form body: unreserved characters stay,
    /// space becomes `+`, everything else is `%XX`.
    static func escape(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        escape(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Encodes pairs as a form body or query string.
    static func encode(_ pairs: [(String, String)]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(pairs.reduce(pairs.count * 2) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        for (index, pair) in pairs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            escape(pair.0, into: &output)
            output.append(UInt8(ascii: "="))
            escape(pair.1, into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func escape(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                    UInt8(ascii: "."), UInt8(ascii: "~"):
                    output.append(byte)
                case UInt8(ascii: " "):
                    output.append(UInt8(ascii: "+"))
                default:
                    output.append(UInt8(ascii: "%"))
                    output.append(hexDigit(byte >> 4))
                    output.append(hexDigit(byte & 0x0F))
                }
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
