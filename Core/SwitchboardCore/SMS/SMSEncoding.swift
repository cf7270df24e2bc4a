/// How many characters an SMS can carry, and how to cut a text to fit without breaking a
/// character.
///
/// A message goes as GSM-7 when every character is in the GSM 03.38 alphabet (its
/// extension table's `^ { } \ [ ~ ] | €` and form feed cost two septets), else as UCS-2,
/// counted in UTF-16 code units (an emoji outside the BMP costs two). Long messages are
/// split into segments of 153 septets (GSM-7) or 67 code units (UCS-2).
public enum SMSEncoding: Sendable, Equatable {
    case gsm7
    case ucs2

    /// Septets or code units per segment of a multi-part message.
    public var unitsPerSegment: Int {
        switch self {
        case .gsm7: 153
        case .ucs2: 67
        }
    }

    /// How many segments `text` is sent as: one up to 160 septets (GSM-7) or 70 code
    /// units (UCS-2), else one per 153 or 67.
    public static func segments(of text: String) -> Int {
        let encoding = of(text)
        let cost = encoding.cost(text)
        let single = encoding == .gsm7 ? 160 : 70
        guard cost > single else { return cost == 0 ? 0 : 1 }
        return (cost + encoding.unitsPerSegment - 1) / encoding.unitsPerSegment
    }

    /// The encoding `text` needs.
    public static func of(_ text: String) -> SMSEncoding {
        text.unicodeScalars.allSatisfy { gsmCost($0) != nil } ? .gsm7 : .ucs2
    }

    /// What `text` costs in this encoding: septets (GSM-7) or UTF-16 code units (UCS-2).
    public func cost(_ text: some StringProtocol) -> Int {
        switch self {
        case .gsm7: text.unicodeScalars.reduce(0) { $0 + (Self.gsmCost($1) ?? 2) }
        case .ucs2: text.utf16.count
        }
    }

    /// `text` cut, at a character boundary (never inside a surrogate pair, a combining
    /// sequence or an emoji sequence), to cost at most `limit`; `nil` when it already fits.
    public func prefix(of text: String, fitting limit: Int) -> String? {
        guard cost(text) > limit else { return nil }
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let next = cost(String(text[index]))
            guard used + next <= limit else { break }
            used += next
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// A scalar's cost in GSM-7 septets, or `nil` when GSM-7 cannot carry it.
    static func gsmCost(_ scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return nil
    }

    private static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars)
    private static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)
}
