/// A phone number in E.164 form: `+`, a country code that does not start with 0, and
/// 7 to 15 digits in all.
///
/// Every number that enters Switchboard, from a webhook's `To`, a company's settings or an
/// old database, is parsed into this type first, so a number has exactly one spelling
/// wherever it is compared, stored or cached.
///
/// Accepted spellings (all the same number):
/// `+15551234567`, `+1-555-123-4567`, `+1 (555) 123-4567`, `+1.555.123.4567`,
/// `001 555 123 4567`. A number without a `+` or `00` prefix is ambiguous (which
/// country?) and is rejected rather than guessed.
public struct PhoneNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The E.164 spelling, e.g. `+15551234567`.
    public let e164: String

    /// The longest input looked at; anything longer is not a phone number.
    static let maximumInputLength = 64

    /// Parses `text` into E.164.
    ///
    /// - Throws: ``PhoneNumberError`` naming what is wrong with `text`.
    public init(parsing text: String) throws(PhoneNumberError) {
        guard text.utf8.count <= Self.maximumInputLength else { throw .tooLong }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .empty }

        var e164: [UInt8] = [UInt8(ascii: "+")]
        e164.reserveCapacity(16)
        var sawPrefix = false
        var utf8 = trimmed.utf8[...]
        if utf8.first == UInt8(ascii: "+") {
            sawPrefix = true
            utf8 = utf8.dropFirst()
        } else if utf8.starts(with: [UInt8(ascii: "0"), UInt8(ascii: "0")]) {
            sawPrefix = true
            utf8 = utf8.dropFirst(2)
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                e164.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"):
                continue
            default:
                throw .invalidCharacter
            }
        }
        let digits = e164.count - 1
        guard sawPrefix else { throw .missingCountryPrefix }
        guard digits > 0 else { throw .empty }
        guard e164[1] != UInt8(ascii: "0") else { throw .countryCodeStartsWithZero }
        guard digits >= 7 else { throw .tooFewDigits(digits) }
        guard digits <= 15 else { throw .tooManyDigits(digits) }
        self.e164 = String(decoding: e164, as: UTF8.self)
    }

    /// The North American spelling `+1-555-123-4567` that documents written by the
    /// earlier system may still hold, or `nil` when the number is not a +1 number.
    public var legacyNorthAmericanSpelling: String? {
        let digits = Array(e164.utf8.dropFirst())
        guard digits.count == 11, digits[0] == UInt8(ascii: "1") else { return nil }
        let area = String(decoding: digits[1..<4], as: UTF8.self)
        let exchange = String(decoding: digits[4..<7], as: UTF8.self)
        let line = String(decoding: digits[7..<11], as: UTF8.self)
        return "+1-\(area)-\(exchange)-\(line)"
    }

    public var description: String { e164 }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool {
        lhs.e164.utf8.lexicographicallyPrecedes(rhs.e164.utf8)
    }
}

/// Why a text is not a usable phone number.
public enum PhoneNumberError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing but white space.
    case empty
    /// Longer than any phone number could be written.
    case tooLong
    /// A letter or symbol other than the separators `space - . ( )`.
    case invalidCharacter
    /// No `+` or `00` in front: the country cannot be known.
    case missingCountryPrefix
    /// E.164 country codes never start with 0.
    case countryCodeStartsWithZero
    /// Fewer than 7 digits.
    case tooFewDigits(Int)
    /// More than the 15 digits E.164 allows.
    case tooManyDigits(Int)

    public var description: String {
        switch self {
        case .empty: "is empty"
        case .tooLong: "is too long to be a phone number"
        case .invalidCharacter: "contains a character that is not a digit or one of + - . ( ) and space"
        case .missingCountryPrefix: "has no + or 00 country prefix, so its country is ambiguous"
        case .countryCodeStartsWithZero: "has a country code starting with 0"
        case .tooFewDigits(let count): "has \(count) digits; E.164 needs at least 7"
        case .tooManyDigits(let count): "has \(count) digits; E.164 allows at most 15"
        }
    }
}
