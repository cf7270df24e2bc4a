#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Switchboard keeps about the messages and calls it sends, beside the archive: the
/// answers to requests that carried an `Idempotency-Key` (for 24 hours), and how many
/// messages and calls each company sent in each minute (the rate limit's count when no
/// Redis is configured).
///
/// An `outbound_requests` and an `outbound_sends` table in the embedded store; the
/// `outboundRequests` and `outboundSends` collections in MongoDB, whose TTL indexes
/// delete what has expired. Every operation touches one company's rows by key.
public protocol OutboundLedger: AnyObject {
    /// Claims `key` for a request of company `companyID` whose body hashes to
    /// `requestHash`: the first request with the key goes ahead; a later one gets the
    /// first one's answer, or is told the key is busy or was used for another request.
    func claim(companyID: CompanyID, key: String, requestHash: String, now: Date) throws(OutboundLedgerError)
        -> IdempotencyClaim

    /// Keeps `answer` as what `key` answers until the key expires.
    func settle(companyID: CompanyID, key: String, answer: OutboundAnswer) throws(OutboundLedgerError)

    /// Gives `key` up, unanswered: nothing was sent, and a retry may try again.
    func release(companyID: CompanyID, key: String) throws(OutboundLedgerError)

    /// Counts one more message or call of company `companyID` in `minute` (minutes since
    /// 1970) and returns the minute's count so far.
    func countSend(companyID: CompanyID, minute: Int) throws(OutboundLedgerError) -> Int
}

/// How long an `Idempotency-Key` keeps its answer.
public enum IdempotencyWindow {
    public static let seconds = 86_400
    /// A claim older than this with no answer belongs to a request that died mid-way.
    public static let unfinishedAfterSeconds = 120
}

/// An answer an `Idempotency-Key` keeps: the status and the JSON body.
public struct OutboundAnswer: Sendable, Equatable {
    public let status: Int
    public let body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// What claiming an `Idempotency-Key` found.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or expired): this request goes ahead.
    case claimed
    /// The key answered this very request before: answer it again, send nothing.
    case replay(OutboundAnswer)
    /// The key was used for a request with another body.
    case conflict
    /// The first request with the key is still running, or died without an answer
    /// (`since` says when it started).
    case unfinished(since: Date)
}

/// Why the outbound ledger could not be read or written.
public struct OutboundLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "outbound ledger: \(message)" }
}
