import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/companies`: the companies a caller may see, ordered by id, a page at a time
/// (`?limit=`, default 50, at most 200; `?after=` the opaque cursor the last page gave).
/// A platform admin sees every company; a company token its own only. Each company comes
/// with its last stored health check, read for the page's companies only.
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

        /// A company's last health check, in brief.
        public struct Health: Encodable, Sendable, Equatable {
            /// `nil` until its first check.
            public let status: HealthStatus?
            public let checkedAt: String?
            /// The first problem, `nil` when there is none.
            public let problem: String?

            init(_ record: CompanyHealthRecord) {
                self.init(status: record.status, checkedAt: record.checkedAt, problem: record.problems.first)
            }

            public init(status: HealthStatus?, checkedAt: String?, problem: String?) {
                self.status = status
                self.checkedAt = checkedAt
                self.problem = problem
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(status, forKey: .status)
                try c.encode(checkedAt, forKey: .checkedAt)
                try c.encode(problem, forKey: .problem)
            }
            enum CodingKeys: String, CodingKey { case status, checkedAt, problem }
        }

        public let companyId: String
        public let companyName: String
        public let phoneNumbers: [Number]
        public let callRoutingMode: String?
        /// True when the company has both an Account SID and an auth token.
        public let twilioConfigured: Bool
        /// Its last health check; `nil` when the sweep has not seen it yet.
        public let health: Health?

        init(_ company: Company, health: CompanyHealthRecord?) {
            self.health = health.map(Health.init)
            companyId = company.id.rawValue
            companyName = company.name
            let config = company.twilio
            func e164(_ text: String) -> String { (try? PhoneNumber(parsing: text))?.e164 ?? text }
            var numbers = config.phoneNumbers.map {
                Number(
                    phoneNumber: e164($0.phoneNumber), friendlyName: $0.friendlyName, status: $0.status ?? "inactive",
                    isPrimary: $0.isPrimary ?? false)
            }
            if let legacy = config.phoneNumber.map(e164), !numbers.contains(where: { $0.phoneNumber == legacy }) {
                numbers.insert(
                    Number(
                        phoneNumber: legacy, friendlyName: nil, status: "active",
                        isPrimary: numbers.allSatisfy { !$0.isPrimary }), at: 0)
            }
            phoneNumbers = numbers
            callRoutingMode = config.callRoutingMode?.rawValue
            twilioConfigured = company.hasTwilioCredentials
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companyId, forKey: .companyId)
            try c.encode(companyName, forKey: .companyName)
            try c.encode(phoneNumbers, forKey: .phoneNumbers)
            try c.encode(callRoutingMode, forKey: .callRoutingMode)
            try c.encode(twilioConfigured, forKey: .twilioConfigured)
            try c.encode(health, forKey: .health)
        }
        enum CodingKeys: String, CodingKey {
            case companyId, companyName, phoneNumbers, callRoutingMode, twilioConfigured, health
        }
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
            limit = try PageQuery.limit(
                query, default: CompanyListing.defaultLimit, maximum: CompanyListing.maximumLimit)
            after = try query["after"].map { cursor throws(Problem) in try Cursor.decode(cursor) }
        }
    }

    private let directory: any TenantDirectory
    private let health: (any CompanyHealthStore)?

    /// The listing of `directory`'s companies, each with its health from `health`.
    public init(directory: any TenantDirectory, health: (any CompanyHealthStore)? = nil) {
        self.directory = directory
        self.health = health
    }

    /// The page's companies with their health; without it when it cannot be read (the
    /// listing still answers).
    private func summaries(_ companies: [Company]) -> [Summary] {
        let records = (try? health?.records(of: companies.map(\.id))) ?? [:]
        return companies.map { Summary($0, health: records[$0.id]) }
    }

    /// The page `request` asks for, of what `identity` may see.
    public func page(_ request: Request, for identity: AdminIdentity) throws(DirectoryError) -> Page {
        switch identity.role {
        case .company(let id):
            guard request.after.map({ $0 < id }) ?? true, let own = try directory.company(id: id) else {
                return Page(companies: [], next: nil)
            }
            return Page(companies: summaries([own]), next: nil)
        case .admin:
            // One more than asked tells whether there is a next page.
            let companies = try directory.companies(after: request.after, limit: request.limit + 1)
            let shown = companies.prefix(request.limit)
            let next = companies.count > request.limit ? shown.last.map { Cursor.encode($0.id) } : nil
            return Page(companies: summaries(Array(shown)), next: next)
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
