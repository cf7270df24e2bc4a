#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which calls a company is to be told of, and how far each got: one entry per call,
/// keyed by the company and the call's sid, beside the archive on both backends (a
/// `notifications` table in the embedded store, a `notifications` collection in MongoDB).
///
/// It is what makes an announcement happen exactly once. Every callback that may end in
/// one (a voicemail's recording or transcript, a forward nobody answered, the end of a
/// call) *schedules* the call; whoever sends *claims* it first, which only one can do
/// until the claim's lease runs out; the sender then *finishes* it as sent, as having
/// nothing to send, or as failed (tried again later, a bounded number of times). The
/// scheduled run sends whatever is *due*: what waited its full time for a transcript, a
/// failed send whose retry time came, a claim whose sender died.
public protocol NotificationLedger: AnyObject {
    /// Asks for the call to be looked at by `dueAt`: a new entry when there is none; a
    /// pending one due later is brought forward; one claimed, sent or finished is left
    /// as it is (a repeat changes nothing).
    func schedule(_ call: NotificationKey, dueAt: Date, now: Date) throws(NotificationLedgerError)

    /// Claims the call's entry for sending when it is due (`dueAt` has come), for
    /// `leaseSeconds`: nobody else claims it before then. `nil` when it is not due, was
    /// claimed by another, or is finished.
    func claim(_ call: NotificationKey, now: Date, leaseSeconds: Int) throws(NotificationLedgerError)
        -> NotificationEntry?

    /// Records how a claimed send went.
    func finish(_ call: NotificationKey, _ outcome: NotificationOutcome, now: Date) throws(NotificationLedgerError)

    /// The entries due at `now`, the longest waiting first, at most `limit`.
    func due(now: Date, limit: Int) throws(NotificationLedgerError) -> [NotificationEntry]

    /// The call's entry, if it has one.
    func entry(_ call: NotificationKey) throws(NotificationLedgerError) -> NotificationEntry?

    /// The entries of `callSids` of `companyID` that exist: what a page of the archive
    /// shows beside its calls.
    func entries(companyID: CompanyID, callSids: [String]) throws(NotificationLedgerError) -> [NotificationEntry]
}

/// A call of a company: what a ledger entry is kept by.
public struct NotificationKey: Sendable, Hashable, CustomStringConvertible {
    public let companyID: CompanyID
    /// Twilio's `CallSid`.
    public let callSid: String

    public init(companyID: CompanyID, callSid: String) {
        self.companyID = companyID
        self.callSid = callSid
    }

    /// `<companyId>/<callSid>`: the entry's id in both stores.
    public var description: String { "\(companyID.rawValue)/\(callSid)" }
}

/// Where an announcement stands.
public enum NotificationState: String, Sendable, Equatable {
    /// Waiting for its time (a transcript, the end of the call).
    case pending
    /// Claimed by a sender.
    case sending
    /// Sent.
    case sent
    /// Looked at: there was nothing to tell (an answered call, nobody to tell).
    case skipped
    /// A send failed; it is tried again at `dueAt`.
    case failed
    /// Every try failed; nothing more is tried.
    case abandoned
}

/// One call's entry.
public struct NotificationEntry: Sendable, Equatable {
    public var key: NotificationKey
    public var state: NotificationState
    /// How many sends failed.
    public var failures: Int
    /// When it is due next; `nil` once finished.
    public var dueAt: Date?
    /// What the last failed send said (never a secret).
    public var lastError: String?
    /// When it was sent.
    public var sentAt: Date?
    /// Whom it reached already, when a send reached some and failed for others: a retry
    /// sends only to the rest.
    public var delivered: [String]

    public init(
        key: NotificationKey, state: NotificationState, failures: Int = 0, dueAt: Date? = nil, lastError: String? = nil,
        sentAt: Date? = nil, delivered: [String] = []
    ) {
        self.delivered = delivered
        self.key = key
        self.state = state
        self.failures = failures
        self.dueAt = dueAt
        self.lastError = lastError
        self.sentAt = sentAt
    }
}

/// How a claimed send went.
public enum NotificationOutcome: Sendable, Equatable {
    /// Sent.
    case sent
    /// There was nothing to tell.
    case skipped
    /// It failed, with why; tried again at `retryAt`, or never when that is `nil`.
    /// `delivered`: whom it reached all the same (with whom earlier tries reached).
    case failed(String, retryAt: Date?, delivered: [String] = [])
}

/// Why the ledger could not be read or written.
public struct NotificationLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "notification ledger: \(message)" }
}

/// How long entries are kept: finished ones are deleted after this many days.
public enum NotificationLedgerRetention {
    public static let days = 30
}
