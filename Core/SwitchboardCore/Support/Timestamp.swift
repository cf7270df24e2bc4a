#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way Switchboard writes and reads the times it stores (`lastUpdated`,
/// `authTokenPreviousExpiresAt`): ISO 8601 in UTC with milliseconds,
/// `2026-11-27T01:32:10.123Z`.
///
/// Reading also takes what older documents hold: ISO 8601 without fractions, and
/// milliseconds since 1970 (how a canonical Extended JSON `$date` reads as text).
public enum Timestamp {
    private static let withFractions = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFractions = Date.ISO8601FormatStyle()

    /// `date` as stored: ISO 8601, UTC, milliseconds (truncated, as Foundation's
    /// ISO 8601 style writes them). Written from `gmtime_r` rather than through a
    /// calendar: a call's archive record is stamped on the hot path, and a cold process
    /// would otherwise build a Gregorian calendar for it.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1_000 : (milliseconds - 999) / 1_000)
        let fraction = Int(milliseconds - Int64(seconds) * 1_000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil, (0...9_999).contains(parts.tm_year + 1_900) else {
            return date.formatted(withFractions)
        }
        // `YYYY-MM-DDTHH:MM:SS.mmmZ`, written straight into the string's storage.
        return String(unsafeUninitializedCapacity: 24) { text in
            var end = 0
            func digits(_ value: Int, _ width: Int, then separator: UInt8) {
                var value = value
                for position in (end..<end + width).reversed() {
                    text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                text[end + width] = separator
                end += width + 1
            }
            digits(Int(parts.tm_year) + 1_900, 4, then: UInt8(ascii: "-"))
            digits(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
            digits(Int(parts.tm_mday), 2, then: UInt8(ascii: "T"))
            digits(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
            digits(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
            digits(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
            digits(fraction, 3, then: UInt8(ascii: "Z"))
            return end
        }
    }

    /// The time `text` names, or `nil` when it is not one of the accepted forms.
    public static func parse(_ text: String) -> Date? {
        if let date = try? withFractions.parse(text) { return date }
        if let date = try? withoutFractions.parse(text) { return date }
        if !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let milliseconds = Int64(text)
        {
            return Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
        }
        return nil
    }

    /// A stored time in the one format, whichever form the store returned it in; the
    /// text as it is when it is no time.
    public static func canonical(_ text: String) -> String {
        parse(text).map(format) ?? text
    }
}
