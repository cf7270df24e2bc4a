import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `?scope=all`: every company's stored health summed up, and one page of it — read,
/// never recomputed, so it costs the same for twenty companies or twenty thousand.
public struct TenantHealthPage: Sendable, Equatable {
    /// The default page size.
    public static let defaultLimit = 50
    /// The largest page.
    public static let maximumLimit = 200

    public let summary: CompanyHealthSummary
    public let companies: [CompanyHealthRecord]
    /// The cursor of the next page, `nil` on the last.
    public let next: String?

    /// What page is asked for: `limit` (default 50, at most 200), `status` (`DOWN` or
    /// `DEGRADED`: only those), and `after`, the cursor the last page gave.
    public struct Request: Sendable, Equatable {
        public var limit: Int
        public var status: HealthStatus?
        public var after: CompanyHealthPage.Position?

        public init(
            limit: Int = TenantHealthPage.defaultLimit, status: HealthStatus? = nil,
            after: CompanyHealthPage.Position? = nil
        ) {
            self.limit = limit
            self.status = status
            self.after = after
        }

        /// The request a query string asks for.
        ///
        /// - Throws: ``Problem/badRequest(_:)`` naming a bad `limit`, `status` or `after`.
        public init(query: FormParameters) throws(Problem) {
            self.init()
            limit = try PageQuery.limit(query, default: limit, maximum: TenantHealthPage.maximumLimit)
            if let text = query["status"] {
                guard let status = HealthStatus(rawValue: text.uppercased()), status == .down || status == .degraded
                else {
                    throw .badRequest("status must be DOWN or DEGRADED")
                }
                self.status = status
            }
            if let cursor = query["after"] { after = try Cursor.decode(cursor, status: status) }
        }
    }

    /// The page `request` asks for, from `store`.
    public static func read(_ request: Request, from store: any CompanyHealthStore) throws(HealthStoreError)
        -> TenantHealthPage
    {
        let summary = try store.summary()
        // One more than asked tells whether there is a next page.
        let records = try store.page(status: request.status, after: request.after, limit: request.limit + 1)
        let shown = Array(records.prefix(request.limit))
        let next =
            records.count > request.limit
            ? shown.last.map { Cursor.encode(CompanyHealthPage.Position(after: $0), status: request.status) } : nil
        return TenantHealthPage(summary: summary, companies: shown, next: next)
    }

    /// The opaque `after` cursor: base64url of `h1:`, the status filter (`*` for none),
    /// the last record's severity and its company id.
    enum Cursor {
        static func encode(_ position: CompanyHealthPage.Position, status: HealthStatus?) -> String {
            Data("h1:\(status?.rawValue ?? "*"):\(position.severity):\(position.companyId)".utf8).base64URLEncoded()
        }

        static func decode(_ text: String, status: HealthStatus?) throws(Problem) -> CompanyHealthPage.Position {
            guard text.utf8.count <= 300, let data = Data(base64URLEncoded: Substring(text)),
                let decoded = String(validating: data, as: UTF8.self)
            else { throw invalid }
            let parts = decoded.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "h1", let severity = Int(parts[2]), (0...2).contains(severity),
                (try? CompanyID(String(parts[3]))) != nil
            else { throw invalid }
            guard parts[1] == (status?.rawValue ?? "*") else {
                throw .badRequest(
                    "after is a cursor of another status filter; keep the filter of the page that gave it, or start again without it"
                )
            }
            return CompanyHealthPage.Position(severity: severity, companyId: String(parts[3]))
        }

        static var invalid: Problem { .badRequest("after is not a cursor this API gave out; start again without it") }
    }
}
