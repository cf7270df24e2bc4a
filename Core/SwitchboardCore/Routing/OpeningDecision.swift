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
        let today = local.dayNumber
        var blockedOn: Int?
        for (index, opening) in hours.openings.enumerated() {
            guard let opening else { continue }
            // Opened today, or opened yesterday and runs past midnight into today.
            let opensOn: Int
            if opening.opens(on: local.weekday), local.minute >= opening.open, local.minute < opening.close {
                opensOn = today
            } else if opening.close > 1_440, local.minute < opening.close - 1_440,
                opening.opens(on: (local.weekday + 6) % 7)
            {
                opensOn = today - 1
            } else {
                continue
            }
            if !closedDates.isEmpty, closedDates.contains(where: { ClosedDate.dayNumber($0) == opensOn }) {
                blockedOn = blockedOn ?? opensOn
                continue
            }
            self.init(isOpen: true, rule: .hours(entry: index, hours.entries[index]), localTime: local)
            return
        }
        let closedDate = blockedOn.map { day in
            let civil = LocalTime.civil(days: day)
            return Rule.closedDate(LocalTime.dateText(year: civil.year, month: civil.month, day: civil.day))
        }
        self.init(isOpen: false, rule: closedDate ?? .outsideHours, localTime: local)
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
