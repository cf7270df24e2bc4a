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

    /// `date` as stored: ISO 8601, UTC, milliseconds.
    public static func format(_ date: Date) -> String {
        date.formatted(withFractions)
    }

    /// The time `text` names, or `nil` when it is not one of the accepted forms.
    public static func parse(_ text: String) -> Date? {
        if let date = try? withFractions.parse(text) { return date }
        if let date = try? withoutFractions.parse(text) { return date }
        if !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let milliseconds = Int64(text) {
            return Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
        }
        return nil
    }
}
