import SwitchboardJSON

/// One opening of a company's week: the days it applies to and the hours, as written in
/// the settings: `{ "days": ["mon", "tue"], "open": "08:00", "close": "18:00" }`.
///
/// A `close` before `open` runs past midnight and belongs to the day it opens (Friday
/// 22:00-06:00 is open until Saturday 06:00); `close` may be `24:00`. Kept as written, so
/// a stored entry Switchboard cannot read is named by the validator, never lost.
public struct OpeningHours: Codable, Sendable, Equatable {
    public var days: [String]
    public var open: String
    public var close: String

    public init(days: [String], open: String, close: String) {
        self.days = days
        self.open = open
        self.close = close
    }

    /// `mon, tue 08:00-18:00`.
    public var summary: String { "\(days.joined(separator: ", ")) \(open)-\(close)" }

    /// The minutes of the day `text` (`HH:MM`) names; `24:00` only as a close.
    static func minutes(_ text: String, isClose: Bool) -> Int? {
        let utf8 = text.utf8
        guard utf8.count == 5 else { return nil }
        var digits: [Int] = []
        var index = utf8.startIndex
        for position in 0..<5 {
            let byte = utf8[index]
            index = utf8.index(after: index)
            if position == 2 {
                guard byte == UInt8(ascii: ":") else { return nil }
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            digits.append(Int(byte - 0x30))
        }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[2] * 10 + digits[3]
        if isClose && hours == 24 && minutes == 0 { return 1_440 }
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    /// The entry as minutes, when it is well formed.
    var parsed: Opening? { Opening(self) }
}

/// An opening as the decision reads it: its days as bits (bit 0 Monday … bit 6 Sunday),
/// when it opens, and when it closes in minutes of the day it opens (past 1440 when it
/// runs past midnight). Worked out once, when the settings are read, not on each call.
struct Opening: Sendable, Equatable {
    let days: UInt8
    let open: Int
    let close: Int

    init?(_ hours: OpeningHours) {
        guard let open = OpeningHours.minutes(hours.open, isClose: false),
            let close = OpeningHours.minutes(hours.close, isClose: true), open != close, !hours.days.isEmpty
        else { return nil }
        var days: UInt8 = 0
        for name in hours.days {
            guard let day = Weekday.index(name) else { return nil }
            days |= 1 << day
        }
        self.days = days
        self.open = open
        self.close = close > open ? close : close + 1_440
    }

    /// True when it opens on `weekday` (0 Monday).
    func opens(on weekday: Int) -> Bool { days & (1 << weekday) != 0 }

    /// The days it opens on, 0 for Monday.
    var dayIndexes: [Int] { (0..<7).filter(opens(on:)) }
}

/// A company's `businessHours`: its openings, in the company's `timezone`. None: always
/// open.
public struct BusinessHours: Codable, Sendable, Equatable {
    public var entries: [OpeningHours] {
        didSet { openings = entries.map(Opening.init) }
    }
    /// Each entry as the decision reads it; `nil` for one that is not well formed.
    private(set) var openings: [Opening?]

    public init(_ entries: [OpeningHours]) {
        self.entries = entries
        openings = entries.map(Opening.init)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([OpeningHours].self))
    }

    public static func == (a: BusinessHours, b: BusinessHours) -> Bool { a.entries == b.entries }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }

    /// The most entries a week takes.
    public static let maximumEntries = 28

    /// What is wrong with the week, each naming its entry (`[1].close`), or nothing.
    func problems() -> [SettingProblem] {
        if entries.count > Self.maximumEntries {
            return [SettingProblem("", "takes at most \(Self.maximumEntries) entries")]
        }
        var problems: [SettingProblem] = []
        // Each opening as minutes of the week (Monday 00:00 = 0), wrapped at the week's end.
        var spans: [(start: Int, end: Int, entry: Int)] = []
        for (index, entry) in entries.enumerated() {
            let path = "[\(index)]"
            var wrong = false
            if entry.days.isEmpty {
                problems.append(SettingProblem(path + ".days", "must name at least one day (mon, tue, … sun)"))
                wrong = true
            } else if let bad = entry.days.first(where: { Weekday.index($0) == nil }) {
                problems.append(
                    SettingProblem(
                        path + ".days", "\"\(bad.prefix(20))\" is not a day: write mon, tue, wed, thu, fri, sat or sun")
                )
                wrong = true
            } else if Set(entry.days).count != entry.days.count {
                problems.append(SettingProblem(path + ".days", "names a day twice"))
                wrong = true
            }
            let open = OpeningHours.minutes(entry.open, isClose: false)
            let close = OpeningHours.minutes(entry.close, isClose: true)
            if open == nil {
                problems.append(SettingProblem(path + ".open", "must be a time of day written HH:MM (00:00-23:59)"))
                wrong = true
            }
            if close == nil {
                problems.append(SettingProblem(path + ".close", "must be a time of day written HH:MM (00:00-24:00)"))
                wrong = true
            }
            if let open, let close, open == close {
                problems.append(
                    SettingProblem(path + ".close", "must differ from open; a whole day is 00:00-24:00"))
                wrong = true
            }
            guard !wrong, let parsed = entry.parsed else { continue }
            for day in parsed.dayIndexes {
                let start = day * 1_440 + parsed.open
                let end = day * 1_440 + parsed.close
                if end <= 10_080 {
                    spans.append((start, end, index))
                } else {
                    spans.append((start, 10_080, index))
                    spans.append((0, end - 10_080, index))
                }
            }
        }
        spans.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        var reported: Set<[Int]> = []
        for (first, second) in zip(spans, spans.dropFirst()) where second.start < first.end {
            let pair = [min(first.entry, second.entry), max(first.entry, second.entry)]
            guard reported.insert(pair).inserted else { continue }
            let day = Weekday.names[second.start / 1_440]
            let what =
                pair[0] == pair[1]
                ? "entry [\(pair[0])] overlaps itself" : "entries [\(pair[0])] and [\(pair[1])] overlap"
            problems.append(SettingProblem("", "\(what) on \(day): a time may belong to one opening only"))
        }
        return problems
    }
}

extension BusinessHours: SettingValue {
    static var absent: BusinessHours { BusinessHours([]) }

    static func reading(_ json: JSONValue) -> Result<BusinessHours, SettingInputError> {
        guard case .array(let values) = json else { return .failure(.type("a list of openings", json)) }
        var entries: [OpeningHours] = []
        for (index, value) in values.enumerated() {
            guard case .object(let fields) = value else {
                return .failure(
                    SettingInputError(
                        "entry [\(index)] must be an object like {\"days\": [\"mon\"], \"open\": \"08:00\", \"close\": \"18:00\"}"
                    ))
            }
            if let unknown = fields.keys.sorted().first(where: { !["days", "open", "close"].contains($0) }) {
                return .failure(
                    SettingInputError(
                        "entry [\(index)] has \"\(unknown.prefix(30))\"; an opening has days, open and close"))
            }
            guard case .array(let dayValues)? = fields["days"] else {
                return .failure(SettingInputError("entry [\(index)] needs days, a list like [\"mon\", \"tue\"]"))
            }
            var days: [String] = []
            for day in dayValues {
                guard case .string(let name) = day else {
                    return .failure(SettingInputError("entry [\(index)]: days must be names like \"mon\""))
                }
                days.append(name)
            }
            guard case .string(let open)? = fields["open"], case .string(let close)? = fields["close"] else {
                return .failure(SettingInputError("entry [\(index)] needs open and close, times like \"08:00\""))
            }
            entries.append(OpeningHours(days: days, open: open, close: close))
        }
        return .success(BusinessHours(entries))
    }

    var shownValue: JSONValue {
        .array(
            entries.map {
                .object([
                    "days": .array($0.days.map(JSONValue.string)), "open": .string($0.open), "close": .string($0.close),
                ])
            })
    }

    var storedValue: MongoValue? {
        .array(
            entries.map {
                .document(
                    MongoDocument([
                        ("days", .array($0.days.map(MongoValue.string))), ("open", .string($0.open)),
                        ("close", .string($0.close)),
                    ]))
            })
    }
}
