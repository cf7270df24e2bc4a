#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where each company's calls and messages are recorded, beside the companies: an
/// `archive` table in the embedded store, a `callArchive` collection in MongoDB.
///
/// Writes are idempotent by sid: Twilio's retries and its fallback URL never make a
/// second record, and a record written again only gains the fields it lacked.
public protocol CallArchive: AnyObject {
    /// Records `record`, or merges it into the record with its sid by the one merge,
    /// ``ArchiveRecord/merging(_:)``: whatever order records come in (a callback before an
    /// import, an outbound request's answer after its first status callback), what each
    /// knew is kept.
    func record(_ record: ArchiveRecord) throws(ArchiveError)

    /// Records a call's or a message's first record, made by the webhook it arrived at,
    /// unless its sid is stored already: only Twilio retrying that webhook (or its
    /// fallback URL) meets a stored sid here, and the stored record says all this one does,
    /// so it is left as it is, with no read. (What a first record lost — its write failed,
    /// and a status callback made the record — comes back through `switchboard archive
    /// import`, which ``record(_:)`` merges.)
    func recordArrival(_ record: ArchiveRecord) throws(ArchiveError)

    /// A company's records, newest first.
    ///
    /// - Parameters:
    ///   - since: only records at or after this time.
    ///   - kind: only calls, or only messages.
    ///   - limit: at most this many.
    func records(companyID: CompanyID, since: Date?, kind: ArchiveRecord.Kind?, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]

    /// The record of `sid`, when it is `companyID`'s.
    func record(sid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord?

    /// The record of the call whose recording is `recordingSid`, when it is `companyID`'s.
    func record(recordingSid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord?

    /// At most `limit` of a company's calls before `before` whose recording is not yet
    /// deleted, oldest first: what its retention deletes next.
    func recordingsToDelete(companyID: CompanyID, before: Date, limit: Int) throws(ArchiveError) -> [ArchiveRecord]

    /// One page of a company's calls or messages, newest first.
    ///
    /// - Parameters:
    ///   - before: only records older than this one (the last of the page before).
    ///   - status: only records whose `status` is this.
    ///   - limit: at most this many.
    func page(
        companyID: CompanyID, kind: ArchiveRecord.Kind, before: ArchiveRecord.Position?, status: String?, limit: Int
    ) throws(ArchiveError) -> [ArchiveRecord]

    /// Deletes every record older than `before`; returns how many.
    func prune(before: Date) throws(ArchiveError) -> Int

    /// True when a write may wait on the network (MongoDB): the recorder then bounds it
    /// on a thread of its own. The embedded store's writes are bounded by its lock
    /// timeout and run where they are asked for.
    var writesOverNetwork: Bool { get }

    /// Called once when the process is about to exit, after its last write.
    func willExit()
}

extension CallArchive {
    public func willExit() {}
}

extension ArchiveRecord {
    /// Where a record stands in a company's archive, newest first: by `at`, then by sid.
    public struct Position: Sendable, Equatable {
        public let at: String
        public let sid: String

        public init(at: String, sid: String) {
            self.at = at
            self.sid = sid
        }
    }

    /// This record's position.
    public var position: Position { Position(at: at, sid: sid) }
}

/// Why the archive could not be written or read.
public struct ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "archive: \(message)" }
}
