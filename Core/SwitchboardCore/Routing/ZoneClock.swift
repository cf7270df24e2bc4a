import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
    public static func index(_ name: String) -> Int? {
        let utf8 = name.utf8
        guard utf8.count == 3 else { return nil }
        var key: UInt32 = 0
        for byte in utf8 { key = key << 8 | UInt32(byte) }
        switch key {
        case 0x6D_6F6E: return 0  // mon
        case 0x74_7565: return 1  // tue
        case 0x77_6564: return 2  // wed
        case 0x74_6875: return 3  // thu
        case 0x66_7269: return 4  // fri
        case 0x73_6174: return 5  // sat
        case 0x73_756E: return 6  // sun
        default: return nil
        }
    }
}

/// Reads the wall clock in a company's time zone from the IANA time-zone database,
/// compiled (the TZif files of `/usr/share/zoneinfo`).
///
/// Every Lambda zip carries the database beside its executables (`zoneinfo/`, put there
/// by `make package` from the build machine's `tzdata`): Lambda's image is not Debian
/// and may have none. The first folder that holds `UTC` is used, in this order:
/// `SWITCHBOARD_ZONEINFO`, `TZDIR`, `zoneinfo/` beside the executable, `/usr/share/zoneinfo`.
///
/// A zone is read once a process and kept; its offset at an instant is a binary search
/// of its transitions, or past the last of them its POSIX rule: no store, no system call.
public enum ZoneClock {
    /// The folder the zones are read from; `nil` when no database was found.
    public static let folder: String? = {
        var candidates: [String] = []
        for variable in ["SWITCHBOARD_ZONEINFO", "TZDIR"] {
            if let value = getenv(variable).map({ String(cString: $0) }), !value.isEmpty { candidates.append(value) }
        }
        if let executable = executableFolder() { candidates.append(executable + "/zoneinfo") }
        candidates.append("/usr/share/zoneinfo")
        return candidates.first { access($0 + "/UTC", R_OK) == 0 }
    }()

    /// True for the name of a zone the database holds: an Area/Place name such as
    /// `America/New_York`, or `UTC`.
    public static func isKnownZone(_ name: String) -> Bool {
        zone(named: name) != nil
    }

    /// The wall clock in zone `name` at `instant`; UTC when the zone is unknown.
    public static func localTime(at instant: Date, zone name: String?) -> LocalTime {
        LocalTime(instant: instant, offsetSeconds: offset(at: instant, zone: name))
    }

    /// Seconds east of UTC in zone `name` at `instant`; 0 when the zone is unknown.
    public static func offset(at instant: Date, zone name: String?) -> Int {
        guard let name, let zone = zone(named: name) else { return 0 }
        return zone.offset(at: Int64(instant.timeIntervalSince1970.rounded(.down)))
    }

    /// The zone called `name`, read once; `nil` when it is no zone of the database.
    static func zone(named name: String) -> TZifZone? {
        let known: TZifZone?? = zones.withLock { cache in
            // A warm function asks about the same zone call after call: no hashing then.
            if let last = cache.last, last.name == name { return .some(last.zone) }
            guard let zone = cache.byName[name] else { return nil }
            cache.last = (name, zone)
            return .some(zone)
        }
        if let known { return known }
        guard isZoneName(name), let folder else { return nil }
        let zone = read(folder + "/" + name).flatMap { try? TZifZone(bytes: $0) }
        zones.withLock { cache in
            if cache.byName.count >= 512 { cache.byName.removeAll(keepingCapacity: true) }
            cache.byName[name] = .some(zone)
            cache.last = (name, zone)
        }
        return zone
    }

    /// Zones read so far, and names that are none (`nil`), by name; and the last one asked for.
    private static let zones = Mutex<(byName: [String: TZifZone?], last: (name: String, zone: TZifZone?)?)>(([:], nil))

    /// A name that can only be a file of the database: `UTC`, or Area/Place of letters,
    /// digits, `_`, `-` and `+`, never `..`.
    static func isZoneName(_ name: String) -> Bool {
        if ["UTC", "Etc/UTC", "GMT", "Etc/GMT"].contains(name) { return true }
        guard name.utf8.count <= 64, name.contains("/"), !name.hasPrefix("/"), !name.hasSuffix("/"),
            !name.contains(".."), !name.contains("//")
        else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+")
        }
    }

    /// A file's bytes (a zone file is a few kilobytes; more is no zone).
    private static func read(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count <= 262_144 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes.count <= 262_144 ? bytes : nil
    }

    /// The folder of the running executable (`/proc/self/exe`).
    private static func executableFolder() -> String? {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
