#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where each company's last health check is kept, beside the companies: a
/// `company_health` table in the embedded store, a `companyHealth` collection in MongoDB,
/// keyed by company id and indexed by when each was checked and by status.
///
/// It is also the sweep's queue: the companies to check next are those marked due (never
/// checked, or changed since), then those checked longest ago. Every read is a page or an
/// indexed count; nothing here reads every company into memory.
public protocol CompanyHealthStore: AnyObject {
    /// Makes `company` due for a check at once (a save changed it), creating its record
    /// when it has none. Its last result, if any, is kept until the check replaces it.
    func markDue(_ company: Company, at time: Date) throws(HealthStoreError)

    /// Gives an unchecked, due record to at most `limit` companies of the directory that
    /// have none (companies written before the sweep existed, or by another system);
    /// returns how many it enrolled.
    func enrolMissing(limit: Int, at time: Date) throws(HealthStoreError) -> Int

    /// The next companies to check, at most `limit`: due ones first, then those checked
    /// longest ago, leaving out every one checked at or after `since` and not due again.
    func nextDue(notCheckedSince since: Date, limit: Int) throws(HealthStoreError) -> [CompanyID]

    /// How many companies ``nextDue(notCheckedSince:limit:)`` would still give.
    func countDue(notCheckedSince since: Date) throws(HealthStoreError) -> Int

    /// Stores a check's result. The company stays due only when it was marked due after
    /// `startedAt` (changed while it was being checked).
    ///
    /// - Throws: ``HealthStoreError`` with ``HealthStoreError/companyGone`` true when the
    ///   company no longer exists (the embedded store refuses a result for it).
    func store(_ record: CompanyHealthRecord, checkStartedAt startedAt: Date) throws(HealthStoreError)

    /// The company's record, or `nil` when it has none.
    func record(of id: CompanyID) throws(HealthStoreError) -> CompanyHealthRecord?

    /// The records of the companies `ids` names that have one (a page of a listing).
    func records(of ids: [CompanyID]) throws(HealthStoreError) -> [CompanyID: CompanyHealthRecord]

    /// Forgets the company's health (it was deleted).
    func remove(_ id: CompanyID) throws(HealthStoreError)

    /// One page of the records, in the order ``CompanyHealthPage/Position`` describes.
    func page(status: HealthStatus?, after: CompanyHealthPage.Position?, limit: Int) throws(HealthStoreError)
        -> [CompanyHealthRecord]

    /// The counts over every record, each from an index.
    func summary() throws(HealthStoreError) -> CompanyHealthSummary
}

/// Where a page of health records starts, and their order: problems first (`DOWN`, then
/// `DEGRADED`, then the rest), by company id within each; with a status filter, by id.
/// The order does not depend on when a company was checked, so a sweep rewriting records
/// while someone pages neither repeats nor skips a company whose status stays the same.
public enum CompanyHealthPage {
    /// The last record a page showed.
    public struct Position: Sendable, Equatable {
        public var severity: Int
        public var companyId: String

        public init(severity: Int, companyId: String) {
            self.severity = severity
            self.companyId = companyId
        }

        /// The position after `record`.
        public init(after record: CompanyHealthRecord) {
            self.init(severity: record.severity, companyId: record.companyId)
        }
    }
}

/// Counts over every company's health.
public struct CompanyHealthSummary: Codable, Sendable, Equatable {
    /// Companies the sweep knows of.
    public var companies: Int
    /// Of those, the ones with an Account SID and an auth token.
    public var configured: Int
    /// The ones checked at least once.
    public var checked: Int
    /// The ones never checked yet.
    public var neverChecked: Int
    public var down: Int
    public var degraded: Int
    /// The oldest last check, `nil` when none was checked.
    public var oldestCheckAt: String?

    public init(
        companies: Int, configured: Int, checked: Int, neverChecked: Int, down: Int, degraded: Int,
        oldestCheckAt: String?
    ) {
        self.companies = companies
        self.configured = configured
        self.checked = checked
        self.neverChecked = neverChecked
        self.down = down
        self.degraded = degraded
        self.oldestCheckAt = oldestCheckAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(companies, forKey: .companies)
        try c.encode(configured, forKey: .configured)
        try c.encode(checked, forKey: .checked)
        try c.encode(neverChecked, forKey: .neverChecked)
        try c.encode(down, forKey: .down)
        try c.encode(degraded, forKey: .degraded)
        try c.encode(oldestCheckAt, forKey: .oldestCheckAt)
    }
    enum CodingKeys: String, CodingKey {
        case companies, configured, checked, neverChecked, down, degraded, oldestCheckAt
    }
}

/// Why the health store could not be read or written.
public struct HealthStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// True when the company of a result no longer exists.
    public let companyGone: Bool

    public init(_ message: String, companyGone: Bool = false) {
        self.message = message
        self.companyGone = companyGone
    }

    public var description: String { "company health: \(message)" }
}
