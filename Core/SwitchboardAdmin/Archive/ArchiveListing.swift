import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/companies/{companyId}/calls` and `…/messages`: a company's archive, newest
/// first, a page at a time (`?limit=`, default 50, at most 200; `?before=` the opaque
/// cursor the last page gave; `?status=` only those that ended so, e.g. `no-answer`,
/// `undelivered`). Each page is one indexed query of that company's records.
public struct ArchiveListing {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    /// One page: the records, and the cursor for the next page (`null` on the last).
    public struct Page: Encodable, Sendable, Equatable {
        public let companyId: String
        public let kind: String
        public let records: [ArchiveRecordView]
        public let next: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companyId, forKey: .companyId)
            try c.encode(kind, forKey: .kind)
            try c.encode(records, forKey: .records)
            try c.encode(next, forKey: .next)
        }
        enum CodingKeys: String, CodingKey { case companyId, kind, records, next }
    }

    /// What page is asked for.
    public struct Request: Sendable, Equatable {
        public let limit: Int
        public let before: ArchiveRecord.Position?
        public let status: String?

        /// The request a query string asks for.
        ///
        /// - Throws: ``Problem/badRequest(_:)`` naming a bad `limit`, `before` or `status`,
        ///   or a parameter the route does not take.
        public init(query: FormParameters) throws(Problem) {
            try PageQuery.refuseUnknown(query, allowed: ["limit", "before", "status"])
            limit = try PageQuery.limit(
                query, default: ArchiveListing.defaultLimit, maximum: ArchiveListing.maximumLimit)
            before = try query["before"].map { text throws(Problem) in try Cursor.decode(text) }
            if let status = query["status"] {
                guard (1...32).contains(status.utf8.count),
                    status.utf8.allSatisfy({
                        ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                    })
                else {
                    throw .badRequest(
                        "status must be one of Twilio's statuses (completed, no-answer, delivered, undelivered, …): 1-32 lower-case letters, - or _"
                    )
                }
                self.status = status
            } else {
                status = nil
            }
        }
    }

    private let archive: any CallArchive
    private let notifications: (any NotificationLedger)?

    /// - Parameter notifications: where each call's announcement stands, shown beside it.
    public init(archive: any CallArchive, notifications: (any NotificationLedger)? = nil) {
        self.archive = archive
        self.notifications = notifications
    }

    /// The page `request` asks for of company `id`'s calls or messages.
    public func page(_ request: Request, companyID id: CompanyID, kind: ArchiveRecord.Kind) throws(ArchiveError) -> Page
    {
        // One more than asked tells whether there is a next page.
        let records = try archive.page(
            companyID: id, kind: kind, before: request.before, status: request.status, limit: request.limit + 1)
        let shown = records.prefix(request.limit)
        let next = records.count > request.limit ? shown.last.map { Cursor.encode($0.position) } : nil
        // One read of the ledger for the page's calls; a ledger that cannot be read leaves
        // the page as the archive has it.
        var announced: [String: NotificationEntry] = [:]
        if kind == .call, let notifications,
            let entries = try? notifications.entries(companyID: id, callSids: shown.map(\.sid))
        {
            for entry in entries { announced[entry.key.callSid] = entry }
        }
        return Page(
            companyId: id.rawValue, kind: kind.rawValue,
            records: shown.map { ArchiveRecordView($0, notification: announced[$0.sid]) }, next: next)
    }

    /// The opaque `before` cursor: base64url of `v1:`, the last record's time and its sid.
    enum Cursor {
        static func encode(_ position: ArchiveRecord.Position) -> String {
            Data(("v1:" + position.at + " " + position.sid).utf8).base64URLEncoded()
        }

        static func decode(_ text: String) throws(Problem) -> ArchiveRecord.Position {
            guard text.utf8.count <= 200, let data = Data(base64URLEncoded: Substring(text)),
                let decoded = String(validating: data, as: UTF8.self), decoded.hasPrefix("v1:"),
                let space = decoded.firstIndex(of: " "),
                let at = Timestamp.parse(String(decoded[decoded.index(decoded.startIndex, offsetBy: 3)..<space])),
                case let sid = String(decoded[decoded.index(after: space)...]), ArchiveRecord.isValidSid(sid)
            else { throw .badRequest("before is not a cursor this API gave out; start again without it") }
            return ArchiveRecord.Position(at: Timestamp.format(at), sid: sid)
        }
    }
}
