#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether a company is open at one instant, and by which rule: what Voice and SMS
/// decide when a webhook arrives, and what `switchboard explain --at` prints.
///
/// The rule is read on the company's wall clock: an opening applies from its `open` to
/// its `close` on each of its days, local time, whatever the offset that day (on the day
/// clocks spring forward, 08:00-18:00 is ten hours of wall clock and nine of real time;
/// the skipped and the repeated hour are read as the clock shows them). A closed date
/// stops every opening that *opens* that day, overnight ones included; an overnight
/// opening from the day before still runs into it.
public struct OpeningDecision: Sendable, Equatable {
    /// Why the company is open or closed.
    public enum Rule: Sendable, Equatable {
        /// No `businessHours`: always open, as before hours existed.
        case alwaysOpen
        /// Within opening `entry` of `businessHours`.
        case hours(entry: Int, OpeningHours)
        /// An opening would apply, but it opens on closed date `date`.
        case closedDate(String)
        /// Outside every opening.
        case outsideHours
    }

    /// True when the company's own settings apply; false when its `afterHours` do.
    public let isOpen: Bool
    public let rule: Rule
    /// The company's wall clock at the instant, when it has hours.
    public let localTime: LocalTime?

    /// The decision for `settings` at `instant`.
    public init(_ settings: TwilioConfig, at instant: Date) {
        guard let hours = settings.businessHours, !hours.entries.isEmpty else {
            self.init(isOpen: true, rule: .alwaysOpen, localTime: nil)
            return
        }
        let local = ZoneClock.localTime(at: instant, zone: settings.timezone)
        let closedDates = settings.closedDates?.items ?? []
        var blockedBy: String?
        for (index, entry) in hours.entries.enumerated() {
            guard let parsed = entry.parsed else { continue }
            // Opened today, or opened yesterday and runs past midnight into today.
            var opensOn: (days: Int, weekday: Int)?
            if parsed.days.contains(local.weekday), local.minute >= parsed.open, local.minute < parsed.close {
                opensOn = (0, local.weekday)
            } else if parsed.close > 1_440, local.minute < parsed.close - 1_440,
                parsed.days.contains((local.weekday + 6) % 7)
            {
                opensOn = (-1, (local.weekday + 6) % 7)
            }
            guard let opensOn else { continue }
            let civil = LocalTime.civil(days: local.dayNumber + opensOn.days)
            let date = LocalTime.dateText(year: civil.year, month: civil.month, day: civil.day)
            if closedDates.contains(date) {
                blockedBy = blockedBy ?? date
                continue
            }
            self.init(isOpen: true, rule: .hours(entry: index, entry), localTime: local)
            return
        }
        self.init(isOpen: false, rule: blockedBy.map(Rule.closedDate) ?? .outsideHours, localTime: local)
    }

    private init(isOpen: Bool, rule: Rule, localTime: LocalTime?) {
        self.isOpen = isOpen
        self.rule = rule
        self.localTime = localTime
    }

    /// In words: `open (businessHours[0]: mon, tue 08:00-18:00)`.
    public var explanation: String {
        let at = localTime.map { " at \($0)" } ?? ""
        switch rule {
        case .alwaysOpen:
            return "open: no businessHours, so always open"
        case .hours(let entry, let hours):
            return "open\(at): businessHours[\(entry)] (\(hours.summary))"
        case .closedDate(let date):
            return "closed\(at): \(date) is one of closedDates; afterHours apply"
        case .outsideHours:
            return "closed\(at): outside businessHours; afterHours apply"
        }
    }

    /// `always-open`, `hours`, `closed-date` or `outside-hours`.
    public var ruleName: String {
        switch rule {
        case .alwaysOpen: "always-open"
        case .hours: "hours"
        case .closedDate: "closed-date"
        case .outsideHours: "outside-hours"
        }
    }
}
