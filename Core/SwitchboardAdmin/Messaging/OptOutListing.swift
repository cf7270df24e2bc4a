import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/companies/{companyId}/opt-outs`: the numbers that opted out of a company's
/// messages, in number order, a page at a time (`?limit=`, default 50, at most 200;
/// `?after=` the `next` the last page gave, a number in E.164), with how many there are
/// in all. Each page is one indexed read of that company's recipients.
///
/// There is no route that opts a number back in: only a START from the number itself
/// does (the law's rule, and Twilio's).
public struct OptOutListing {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    /// One opted-out number: since when, and what asked.
    public struct Entry: Encodable, Sendable, Equatable {
        public let number: String
        public let optedOutAt: String?
        /// `STOP` (or another keyword), `OptOutType=STOP`, or `twilio-21610`.
        public let source: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(number, forKey: .number)
            try c.encode(optedOutAt, forKey: .optedOutAt)
            try c.encode(source, forKey: .source)
        }
        enum CodingKeys: String, CodingKey { case number, optedOutAt, source }
    }

    /// One page, the count of all, and the cursor for the next page (`null` on the last).
    public struct Page: Encodable, Sendable, Equatable {
        public let companyId: String
        public let count: Int
        public let optOuts: [Entry]
        public let next: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companyId, forKey: .companyId)
            try c.encode(count, forKey: .count)
            try c.encode(optOuts, forKey: .optOuts)
            try c.encode(next, forKey: .next)
        }
        enum CodingKeys: String, CodingKey { case companyId, count, optOuts, next }
    }

    /// What page is asked for.
    public struct Request: Sendable, Equatable {
        public let limit: Int
        public let after: PhoneNumber?

        /// At most `limit` numbers after `after` (from the first when `nil`).
        public init(limit: Int = OptOutListing.defaultLimit, after: PhoneNumber? = nil) {
            self.limit = min(max(limit, 1), OptOutListing.maximumLimit)
            self.after = after
        }

        /// - Throws: ``Problem/badRequest(_:)`` naming a bad `limit` or `after`, or a
        ///   parameter the route does not take.
        public init(query: FormParameters) throws(Problem) {
            try PageQuery.refuseUnknown(query, allowed: ["limit", "after"])
            limit = try PageQuery.limit(query, default: OptOutListing.defaultLimit, maximum: OptOutListing.maximumLimit)
            if let text = query["after"] {
                guard let number = try? PhoneNumber(parsing: text), number.e164 == text else {
                    throw .badRequest("after must be the next value a page gave: a number in E.164 (+15557654321)")
                }
                after = number
            } else {
                after = nil
            }
        }
    }

    private let recipients: any RecipientLedger

    public init(recipients: any RecipientLedger) {
        self.recipients = recipients
    }

    /// The page `request` asks for of company `id`.
    public func page(_ request: Request, companyID id: CompanyID) throws(RecipientLedgerError) -> Page {
        let found = try recipients.optOuts(companyID: id, after: request.after, limit: request.limit + 1)
        let shown = found.prefix(request.limit)
        return Page(
            companyId: id.rawValue, count: try recipients.optOutCount(companyID: id),
            optOuts: shown.map {
                Entry(number: $0.number.e164, optedOutAt: $0.changedAt.map(Timestamp.format), source: $0.source)
            },
            next: found.count > request.limit ? shown.last?.number.e164 : nil)
    }
}
