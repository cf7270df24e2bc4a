import Foundation
import Synchronization

/// A wall-clock moment in a company's time zone: the date, the weekday and the minute of
/// the day a person there would read off their clock.
public struct LocalTime: Sendable, Equatable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    /// 0 for Monday … 6 for Sunday.
    public let weekday: Int
    /// Minutes since local midnight, 0-1439.
    public let minute: Int
    /// Seconds east of UTC at that instant.
    public let offsetSeconds: Int

    /// Days since 1970-01-01 of the local date.
    public var dayNumber: Int { LocalTime.days(year: year, month: month, day: day) }

    /// `2026-12-25`.
    public var date: String { Self.dateText(year: year, month: month, day: day) }

    /// `2026-12-25 08:30 (fri, UTC-05:00)`.
    public var description: String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        let offset = abs(offsetSeconds) / 60
        return
            "\(date) \(Self.two(minute / 60)):\(Self.two(minute % 60)) (\(Weekday.names[weekday]), UTC\(sign)\(Self.two(offset / 60)):\(Self.two(offset % 60)))"
    }

    /// The local time `offsetSeconds` east of UTC at `instant`.
    init(instant: Date, offsetSeconds: Int) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let civil = Self.civil(days: days)
        year = civil.year
        month = civil.month
        day = civil.day
        // 1970-01-01 was a Thursday (3 counting from Monday).
        weekday = ((days % 7) + 7 + 3) % 7
        minute = (seconds - days * 86_400) / 60
        self.offsetSeconds = offsetSeconds
    }

    /// The date `days` after 1970-01-01 (the proleptic Gregorian calendar).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func dateText(year: Int, month: Int, day: Int) -> String {
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "-" + two(month) + "-" + two(day)
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

/// The days of the week as companies write them.
public enum Weekday {
    /// `mon` … `sun`, Monday first.
    public static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// 0 for `mon` … 6 for `sun`; `nil` for anything else.
    public static func index(_ name: String) -> Int? { names.firstIndex(of: name) }
}

/// Reads the wall clock in a time zone from the time-zone database Foundation carries
/// (ICU's, linked into every function: a Lambda image without `/usr/share/zoneinfo`
/// decides the same).
///
/// A warm function asks again and again about the same few zones: each zone's offset is
/// kept until its next daylight-saving change, so most calls cost a dictionary lookup.
public enum ZoneClock {
    /// The names taken as a company's `timezone`: the database's zones, and UTC.
    public static func isKnownZone(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        if ["UTC", "Etc/UTC", "GMT", "Etc/GMT"].contains(name) { return true }
        // Foundation also takes `GMT+5` and abbreviations like `EST`: only Area/Place names
        // the database holds are a company's zone.
        guard name.contains("/"), name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return false }
        return TimeZone(identifier: name) != nil
    }

    /// The wall clock in zone `name` at `instant`; UTC when the zone is unknown.
    public static func localTime(at instant: Date, zone name: String?) -> LocalTime {
        LocalTime(instant: instant, offsetSeconds: offset(at: instant, zone: name))
    }

    /// Seconds east of UTC in zone `name` at `instant`; 0 when the zone is unknown.
    public static func offset(at instant: Date, zone name: String?) -> Int {
        guard let name, !name.isEmpty else { return 0 }
        if let known = periods.withLock({ $0[name] }), known.covers(instant) { return known.offset }
        guard isKnownZone(name), let zone = TimeZone(identifier: name) else { return 0 }
        let period = Period(zone: zone, around: instant)
        periods.withLock { cache in
            if cache.count >= 64 { cache.removeAll(keepingCapacity: true) }
            cache[name] = period
        }
        return period.offset
    }

    /// A stretch of time over which a zone's offset does not change.
    private struct Period: Sendable {
        let offset: Int
        let from: Date
        let until: Date

        init(zone: TimeZone, around instant: Date) {
            offset = zone.secondsFromGMT(for: instant)
            // Kept from now until the next change (at most a day ahead, so a changed
            // rule or a missing transition costs a day at worst); only this instant onward.
            let dayLater = instant.addingTimeInterval(86_400)
            let next = zone.nextDaylightSavingTimeTransition(after: instant) ?? dayLater
            from = instant
            until = min(next, dayLater)
        }

        func covers(_ instant: Date) -> Bool { instant >= from && instant < until }
    }

    private static let periods = Mutex<[String: Period]>([:])
}
