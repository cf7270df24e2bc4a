import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
    /// ISO 8601 style writes them), by ``ISO8601Time``, the one writer of the format.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1_000 : (milliseconds - 999) / 1_000
        let text = String(unsafeUninitializedCapacity: ISO8601Time.length) { buffer in
            ISO8601Time.write(
                seconds: Int(seconds), milliseconds: Int(milliseconds - seconds * 1_000), into: buffer)
        }
        return text.isEmpty ? date.formatted(withFractions) : text
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
