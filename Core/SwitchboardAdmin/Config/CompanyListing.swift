import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/companies`: the companies a caller may see, ordered by id, a page at a time
/// (`?limit=`, default 50, at most 200; `?after=` the opaque cursor the last page gave).
/// A platform admin sees every company; a company token its own only.
public struct CompanyListing {
    /// The default page size.
    public static let defaultLimit = 50
    /// The largest page.
    public static let maximumLimit = 200

    /// One company in the list.
    public struct Summary: Encodable, Sendable, Equatable {
        public struct Number: Encodable, Sendable, Equatable {
            public let phoneNumber: String
            public let friendlyName: String?
            public let status: String
            public let isPrimary: Bool

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(phoneNumber, forKey: .phoneNumber)
                try c.encode(friendlyName, forKey: .friendlyName)
                try c.encode(status, forKey: .status)
                try c.encode(isPrimary, forKey: .isPrimary)
            }
            enum CodingKeys: String, CodingKey { case phoneNumber, friendlyName, status, isPrimary }
        }

        public let companyId: String
        public let companyName: String
        public let phoneNumbers: [Number]
        public let callRoutingMode: String?
        /// True when the company has both an Account SID and an auth token.
        public let twilioConfigured: Bool

        init(_ company: Company) {
            companyId = company.id.rawValue
            companyName = company.name
            let config = company.twilio
            func e164(_ text: String) -> String { (try? PhoneNumber(parsing: text))?.e164 ?? text }
            var numbers = config.phoneNumbers.map {
                Number(phoneNumber: e164($0.phoneNumber), friendlyName: $0.friendlyName, status: $0.status ?? "inactive", isPrimary: $0.isPrimary ?? false)
            }
            if let legacy = config.phoneNumber.map(e164), !numbers.contains(where: { $0.phoneNumber == legacy }) {
                numbers.insert(Number(phoneNumber: legacy, friendlyName: nil, status: "active", isPrimary: numbers.allSatisfy { !$0.isPrimary }), at: 0)
            }
            phoneNumbers = numbers
            callRoutingMode = config.callRoutingMode
            twilioConfigured = !(config.accountSid ?? "").isEmpty && config.authToken != nil
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companyId, forKey: .companyId)
            try c.encode(companyName, forKey: .companyName)
            try c.encode(phoneNumbers, forKey: .phoneNumbers)
            try c.encode(callRoutingMode, forKey: .callRoutingMode)
            try c.encode(twilioConfigured, forKey: .twilioConfigured)
        }
        enum CodingKeys: String, CodingKey { case companyId, companyName, phoneNumbers, callRoutingMode, twilioConfigured }
    }

    /// One page: the companies, and the cursor for the next page (`null` on the last).
    public struct Page: Encodable, Sendable, Equatable {
        public let companies: [Summary]
        public let next: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companies, forKey: .companies)
            try c.encode(next, forKey: .next)
        }
        enum CodingKeys: String, CodingKey { case companies, next }
    }

    /// What page is asked for.
    public struct Request: Sendable, Equatable {
        public let limit: Int
        public let after: CompanyID?

        /// The request a query string asks for.
        ///
        /// - Throws: ``Problem/badRequest(_:)`` naming a bad `limit` or `after`.
        public init(query: FormParameters) throws(Problem) {
            if let text = query["limit"] {
                guard let limit = Int(text), (1...CompanyListing.maximumLimit).contains(limit) else {
                    throw .badRequest("limit must be a whole number from 1 to \(CompanyListing.maximumLimit)")
                }
                self.limit = limit
            } else {
                limit = CompanyListing.defaultLimit
            }
            after = try query["after"].map { cursor throws(Problem) in try Cursor.decode(cursor) }
        }
    }

    private let directory: any TenantDirectory

    public init(directory: any TenantDirectory) {
        self.directory = directory
    }

    /// The page `request` asks for, of what `identity` may see.
    public func page(_ request: Request, for identity: AdminIdentity) throws(DirectoryError) -> Page {
        switch identity.role {
        case .company(let id):
            guard request.after.map({ $0 < id }) ?? true, let own = try directory.company(id: id) else {
                return Page(companies: [], next: nil)
            }
            return Page(companies: [Summary(own)], next: nil)
        case .admin:
            // One more than asked tells whether there is a next page.
            let companies = try directory.companies(after: request.after, limit: request.limit + 1)
            let shown = companies.prefix(request.limit)
            let next = companies.count > request.limit ? shown.last.map { Cursor.encode($0.id) } : nil
            return Page(companies: shown.map(Summary.init), next: next)
        }
    }

    /// The opaque `after` cursor: base64url of `v1:` and the last id shown.
    enum Cursor {
        static func encode(_ id: CompanyID) -> String {
            Data(("v1:" + id.rawValue).utf8).base64URLEncoded()
        }

        static func decode(_ text: String) throws(Problem) -> CompanyID {
            guard text.utf8.count <= 200, let data = Data(base64URLEncoded: Substring(text)),
                  let decoded = String(validating: data, as: UTF8.self), decoded.hasPrefix("v1:"),
                  let id = try? CompanyID(String(decoded.dropFirst(3)))
            else { throw .badRequest("after is not a cursor this API gave out; start again without it") }
            return id
        }
    }
}
