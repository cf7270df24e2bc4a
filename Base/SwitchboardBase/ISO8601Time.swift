#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer of Switchboard's time format: ISO 8601 in UTC with milliseconds,
/// `2026-11-27T01:32:10.123Z`, 24 bytes, for the stored times and the log lines alike.
///
/// Written from `gmtime_r` rather than through a calendar: the archive stamps a record on
/// a call's hot path, and a cold process would otherwise build a Gregorian calendar for it.
public enum ISO8601Time {
    /// How many bytes the text takes.
    public static let length = 24

    /// Writes the time `seconds` since 1970 and `milliseconds` (0–999) into the first
    /// ``length`` bytes of `buffer`.
    ///
    /// - Returns: ``length``, or 0 (nothing written) when the year is not 0–9999 or
    ///   `buffer` is too short.
    public static func write(seconds: Int, milliseconds: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var time = time_t(seconds)
        var parts = tm()
        guard buffer.count >= length, gmtime_r(&time, &parts) != nil, (0...9_999).contains(parts.tm_year + 1_900)
        else { return 0 }
        var end = 0
        func digits(_ value: Int, _ width: Int, then separator: UInt8) {
            var value = value
            for position in (end..<end + width).reversed() {
                buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            buffer[end + width] = separator
            end += width + 1
        }
        digits(Int(parts.tm_year) + 1_900, 4, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, then: UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
        digits(milliseconds, 3, then: UInt8(ascii: "Z"))
        return end
    }
}
