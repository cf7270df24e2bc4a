/// The parameters of an `application/x-www-form-urlencoded` body, in the order sent.
///
/// Twilio posts its webhooks in this encoding. Decoding keeps every pair, repeated names
/// included, because the request signature covers all of them: dropping or merging one
/// would make a genuine request fail validation.
public struct FormParameters: Sendable, Equatable {
    /// Every `(name, value)` pair, in the order they appeared.
    public let pairs: [(name: String, value: String)]

    /// Parameters from already-decoded pairs.
    public init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Decodes a form body: `&` separates pairs, the first `=` separates name from value,
    /// `+` is a space and `%XX` an escaped byte. Empty segments (`a=1&&b=2`) are skipped; a
    /// segment without `=` is a name with an empty value.
    ///
    /// - Throws: ``FormDecodingError`` when an escape is not two hex digits or the
    ///   decoded bytes are not UTF-8.
    public init(decoding body: some Collection<UInt8>) throws(FormDecodingError) {
        let bytes = Array(body)
        let decoded: Result<[(name: String, value: String)], FormDecodingError> = bytes.withUnsafeBufferPointer { body in
            var pairs: [(name: String, value: String)] = []
            pairs.reserveCapacity(24)
            var segmentStart = 0
            do throws(FormDecodingError) {
                for index in 0...body.count where index == body.count || body[index] == UInt8(ascii: "&") {
                    let segment = body[segmentStart..<index]
                    segmentStart = index + 1
                    guard !segment.isEmpty else { continue }
                    if let equals = segment.firstIndex(of: UInt8(ascii: "=")) {
                        let name = try Self.unescape(UnsafeBufferPointer(rebasing: segment[..<equals]))
                        let value = try Self.unescape(UnsafeBufferPointer(rebasing: segment[(equals + 1)...]))
                        pairs.append((name, value))
                    } else {
                        pairs.append((try Self.unescape(UnsafeBufferPointer(rebasing: segment)), ""))
                    }
                }
            } catch {
                return .failure(error)
            }
            return .success(pairs)
        }
        self.pairs = try decoded.get()
    }

    /// The first value sent for `name`, or `nil` when it was not sent.
    public subscript(name: String) -> String? {
        pairs.first(where: { $0.name == name })?.value
    }

    /// Every value sent for `name`, in order.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The pairs as a form body (or query string), escaped as ``FormEncoding`` does, so
    /// decoding gives back exactly these pairs.
    public var encoded: String {
        FormEncoding.encode(pairs.map { ($0.name, $0.value) })
    }

    public static func == (lhs: FormParameters, rhs: FormParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Decodes `%XX` escapes (and `+` as a space, unless `plusIsSpace` is false).
    static func unescape(_ bytes: some Collection<UInt8>, plusIsSpace: Bool = true) throws(FormDecodingError) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ plainText($0, plusIsSpace: plusIsSpace) }) ?? nil {
            return text
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var ascii = true
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace:
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = bytes.index(after: index)
                guard high != bytes.endIndex else { throw .truncatedEscape }
                let low = bytes.index(after: high)
                guard low != bytes.endIndex else { throw .truncatedEscape }
                guard let h = hexValue(bytes[high]), let l = hexValue(bytes[low]) else { throw .invalidEscape }
                output.append(h << 4 | l)
                if h >= 8 { ascii = false }
                index = low
            default:
                output.append(byte)
                if byte >= 0x80 { ascii = false }
            }
            index = bytes.index(after: index)
        }
        // ASCII is UTF-8 as it is; anything else is validated.
        let text = output.withUnsafeBufferPointer { buffer in
            ascii ? String(decoding: buffer, as: UTF8.self) : String(validating: buffer, as: UTF8.self)
        }
        guard let text else { throw .invalidUTF8 }
        return text
    }

    /// `bytes` as text when they need no decoding at all (ASCII, no `%`, no `+` that
    /// means a space): the common case, copied without a pass byte by byte.
    private static func plainText(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) -> String? {
        for byte in bytes where byte >= 0x80 || byte == UInt8(ascii: "%") || (plusIsSpace && byte == UInt8(ascii: "+")) {
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
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
