#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Switchboard knows about the people a company messages, kept per company beside
/// the archive: who opted out of its messages (and since when), and when each person
/// last wrote to one of its WhatsApp senders (WhatsApp's 24-hour window).
///
/// A `recipients` table in the embedded store, a `recipients` collection in MongoDB; one
/// row per company and number, read and written by that key only, so a send's check
/// costs one keyed read however many people a company has.
///
/// Opt-outs are ordered by the time of the message that asked: a change older than the
/// stored one is ignored, a repeat changes nothing, and when an opt-out and an opt-in
/// carry the very same time the opt-out stands (sending to someone who said STOP is the
/// mistake that costs).
public protocol RecipientLedger: AnyObject {
    /// Applies `change` unless a later one is stored for the same company and number.
    ///
    /// - Returns: whether the stored state is now `change`'s.
    @discardableResult
    func record(_ change: OptChange) throws(RecipientLedgerError) -> Bool

    /// What is known of `number` for company `companyID`; `nil` when nothing is.
    func recipient(companyID: CompanyID, number: PhoneNumber) throws(RecipientLedgerError) -> Recipient?

    /// At most `limit` of the company's opted-out numbers after `after`, in number order:
    /// one page of the listing.
    func optOuts(companyID: CompanyID, after: PhoneNumber?, limit: Int) throws(RecipientLedgerError) -> [Recipient]

    /// How many numbers have opted out of the company's messages.
    func optOutCount(companyID: CompanyID) throws(RecipientLedgerError) -> Int

    /// Notes that `number` wrote to one of the company's WhatsApp senders at `at` (an
    /// earlier time than the stored one changes nothing).
    func recordWhatsAppInbound(companyID: CompanyID, number: PhoneNumber, at: Date) throws(RecipientLedgerError)
}

/// One opt-out or opt-in: a STOP or START (or Twilio's `OptOutType`) from `number`, or
/// Twilio refusing a send with error 21610.
public struct OptChange: Sendable, Equatable {
    public var companyID: CompanyID
    public var number: PhoneNumber
    /// True for an opt-out, false for an opt-in.
    public var optedOut: Bool
    /// When the message that asked was received (or Twilio refused the send).
    public var at: Date
    /// What asked: the keyword (`STOP`, `START`), `OptOutType=STOP`, or `twilio-21610`.
    public var source: String
    /// The message that asked, when there was one.
    public var messageSid: String?

    public init(
        companyID: CompanyID, number: PhoneNumber, optedOut: Bool, at: Date, source: String, messageSid: String? = nil
    ) {
        self.companyID = companyID
        self.number = number
        self.optedOut = optedOut
        self.at = at
        self.source = source
        self.messageSid = messageSid
    }

    /// The change an inbound message asks for: a STOP-family or START-family keyword, or
    /// Twilio's `OptOutType` (`STOP`, `START`; `HELP` changes nothing), which wins when
    /// both are present because it is what Twilio itself did.
    public static func asked(
        companyID: CompanyID, from number: PhoneNumber, keyword: SMSKeyword?, optOutType: String?, at: Date,
        messageSid: String?
    ) -> OptChange? {
        let type = optOutType?.uppercased()
        let optedOut: Bool
        let source: String
        switch (type, keyword?.kind) {
        case ("STOP"?, _):
            (optedOut, source) = (true, "OptOutType=STOP")
        case ("START"?, _):
            (optedOut, source) = (false, "OptOutType=START")
        case (_, .optOut?):
            (optedOut, source) = (true, keyword?.word ?? "STOP")
        case (_, .optIn?):
            (optedOut, source) = (false, keyword?.word ?? "START")
        default:
            return nil
        }
        return OptChange(
            companyID: companyID, number: number, optedOut: optedOut, at: at, source: source, messageSid: messageSid)
    }
}

/// What a company's ledger knows of one number.
public struct Recipient: Sendable, Equatable {
    public var number: PhoneNumber
    /// True while the number is opted out of the company's messages.
    public var optedOut: Bool
    /// When the last opt-out or opt-in was asked for, and what asked.
    public var changedAt: Date?
    public var source: String?
    /// When the number last wrote to one of the company's WhatsApp senders.
    public var lastWhatsAppInbound: Date?

    public init(
        number: PhoneNumber, optedOut: Bool, changedAt: Date? = nil, source: String? = nil,
        lastWhatsAppInbound: Date? = nil
    ) {
        self.number = number
        self.optedOut = optedOut
        self.changedAt = changedAt
        self.source = source
        self.lastWhatsAppInbound = lastWhatsAppInbound
    }
}

/// Why the recipient ledger could not be read or written.
public struct RecipientLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "recipients: \(message)" }
}

/// WhatsApp's customer-service window: a business may send free-form messages to a
/// person only within 24 hours of that person's last message to it; outside it, only
/// approved templates.
public enum WhatsAppWindow {
    public static let seconds: Double = 24 * 60 * 60
}
