/// A POSIX `TZ` rule, as a TZif file's footer gives it for the years after its last
/// transition: `EST5EDT,M3.2.0,M11.1.0`, `<+0545>-5:45`, `AEST-10AEDT,M10.1.0,M4.1.0/3`.
///
/// Offsets are written west-positive (`EST5` is five hours *behind* UTC); the rule's times
/// are local: the change to summer time in standard time, the change back in summer time.
struct POSIXZoneRule: Sendable, Equatable {
    /// Seconds east of UTC outside summer time.
    let standard: Int
    /// Summer time: its offset (seconds east) and when it starts and ends; `nil`: none.
    let summer: (offset: Int, start: Change, end: Change)?

    /// A day of the year and a time of that day, local.
    enum Change: Sendable, Equatable {
        /// `Mm.w.d`: day `d` (0 Sunday) of week `w` (5: the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int, seconds: Int)
        /// `Jn`: day `n` (1-365) of the year, February 29 never counted.
        case julianSkippingLeap(day: Int, seconds: Int)
        /// `n`: day `n` (0-365) of the year, February 29 counted.
        case julian(day: Int, seconds: Int)
    }

    static func == (a: POSIXZoneRule, b: POSIXZoneRule) -> Bool {
        a.standard == b.standard && a.summer?.offset == b.summer?.offset && a.summer?.start == b.summer?.start
            && a.summer?.end == b.summer?.end
    }

    /// The rule `text` writes; `nil` when it is none.
    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let standardWest = scanner.offset() else { return nil }
        standard = -standardWest
        if scanner.atEnd {
            summer = nil
            return
        }
        guard scanner.name() else { return nil }
        var summerOffset = standard + 3_600
        if !scanner.peek(","), let west = scanner.offset() { summerOffset = -west }
        guard scanner.take(","), let start = scanner.change(), scanner.take(","), let end = scanner.change(),
            scanner.atEnd
        else { return nil }
        summer = (summerOffset, start, end)
    }

    /// Seconds east of UTC at `instant` (seconds since 1970).
    func offset(at instant: Int64) -> Int {
        guard let summer else { return standard }
        let local = Int(instant) + standard
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let year = LocalTime.civil(days: days).year
        let starts = Int64(Self.localSeconds(summer.start, year: year) - standard)
        let ends = Int64(Self.localSeconds(summer.end, year: year) - summer.offset)
        let inSummer = starts < ends ? (instant >= starts && instant < ends) : !(instant >= ends && instant < starts)
        return inSummer ? summer.offset : standard
    }

    /// Seconds from 1970-01-01 00:00 (local) to `change` in `year` (local).
    static func localSeconds(_ change: Change, year: Int) -> Int {
        let january1 = LocalTime.days(year: year, month: 1, day: 1)
        switch change {
        case .monthWeekDay(let month, let week, let weekday, let seconds):
            let first = LocalTime.days(year: year, month: month, day: 1)
            // 1970-01-01 was a Thursday (4, counting from Sunday).
            let firstWeekday = ((first % 7) + 7 + 4) % 7
            var day = first + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            let nextMonth =
                month == 12
                ? LocalTime.days(year: year + 1, month: 1, day: 1)
                : LocalTime.days(year: year, month: month + 1, day: 1)
            while day >= nextMonth { day -= 7 }
            return day * 86_400 + seconds
        case .julianSkippingLeap(let day, let seconds):
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return (january1 + day - 1 + (leap && day >= 60 ? 1 : 0)) * 86_400 + seconds
        case .julian(let day, let seconds):
            return (january1 + day) * 86_400 + seconds
        }
    }

    /// Reads the rule's parts in order.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }

        func peek(_ character: Character) -> Bool {
            !atEnd && bytes[position] == character.asciiValue!
        }

        mutating func take(_ character: Character) -> Bool {
            guard peek(character) else { return false }
            position += 1
            return true
        }

        /// A zone name: three or more letters, or anything between `<` and `>`.
        mutating func name() -> Bool {
            if take("<") {
                guard let close = bytes[position...].firstIndex(of: UInt8(ascii: ">")) else { return false }
                position = close + 1
                return true
            }
            let start = position
            while !atEnd, (bytes[position] | 0x20) >= UInt8(ascii: "a"), (bytes[position] | 0x20) <= UInt8(ascii: "z") {
                position += 1
            }
            return position - start >= 3
        }

        mutating func number() -> Int? {
            let start = position
            var value = 0
            while !atEnd, bytes[position] >= 0x30, bytes[position] <= 0x39, position - start < 4 {
                value = value * 10 + Int(bytes[position] - 0x30)
                position += 1
            }
            return position > start ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func offset() -> Int? {
            var sign = 1
            if take("-") { sign = -1 } else { _ = take("+") }
            guard let hours = number(), hours <= 167 else { return nil }
            var seconds = hours * 3_600
            if take(":") {
                guard let minutes = number(), minutes < 60 else { return nil }
                seconds += minutes * 60
                if take(":") {
                    guard let rest = number(), rest < 60 else { return nil }
                    seconds += rest
                }
            }
            return sign * seconds
        }

        /// `Mm.w.d`, `Jn` or `n`, then `/time` (02:00 when absent).
        mutating func change() -> Change? {
            var made: (Int) -> Change?
            if take("M") {
                guard let month = number(), (1...12).contains(month), take("."), let week = number(),
                    (1...5).contains(week), take("."), let weekday = number(), weekday <= 6
                else { return nil }
                made = { .monthWeekDay(month: month, week: week, weekday: weekday, seconds: $0) }
            } else if take("J") {
                guard let day = number(), (1...365).contains(day) else { return nil }
                made = { .julianSkippingLeap(day: day, seconds: $0) }
            } else {
                guard let day = number(), day <= 365 else { return nil }
                made = { .julian(day: day, seconds: $0) }
            }
            var seconds = 7_200
            if take("/") {
                guard let time = offset() else { return nil }
                seconds = time
            }
            return made(seconds)
        }
    }
}
