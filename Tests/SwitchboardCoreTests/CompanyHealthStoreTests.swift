import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// The health store's contract on every backend: the sweep's queue, results, the listing
/// and the summary. Each test uses a fresh store beside a fresh directory.
@Suite("Company health store (every backend)")
struct CompanyHealthStoreTests {
    typealias F = DirectoryFixtures

    static func ids(_ count: Int) -> [String] { (0..<count).map { String(format: "65a1f0c2e4b0a1a2b3c4%04x", $0) } }

    /// A directory with `count` companies and the health store beside it.
    static func stores(_ backend: DirectoryBackend, companies count: Int) throws -> (
        any TenantDirectory, any CompanyHealthStore, [Company]
    ) {
        let store = try backend.makeStore()
        let directory = store.directory
        let companies = ids(count).enumerated().map { index, id in
            F.company(id, name: "Company \(index)", list: [(String(format: "+1555030%04d", index), "active")])
        }
        for company in companies { try directory.save(company) }
        return (directory, store.healthStore(), companies)
    }

    static func result(_ company: Company, _ status: HealthStatus, at time: Date, problems: [String] = [])
        -> CompanyHealthRecord
    {
        CompanyHealthRecord(
            companyId: company.id.rawValue, companyName: company.name, configured: true, status: status,
            checkedAt: Timestamp.format(time),
            durationMs: 12.34, account: .init(status: "active", message: "the account is active", latencyMs: 10),
            problems: problems)
    }

    @Test(
        "enrolment gives every company an unchecked, due record, once; the queue gives them in id order, a page at a time",
        arguments: DirectoryBackend.all)
    func enrolment(backend: DirectoryBackend) throws {
        let (_, store, companies) = try Self.stores(backend, companies: 12)
        let now = Date()
        #expect(try store.enrolMissing(limit: 5, at: now) == 5)
        #expect(try store.enrolMissing(limit: 100, at: now) == 7)
        #expect(try store.enrolMissing(limit: 100, at: now) == 0)
        let summary = try store.summary()
        #expect(
            summary
                == CompanyHealthSummary(
                    companies: 12, configured: 12, checked: 0, neverChecked: 12, down: 0, degraded: 0,
                    oldestCheckAt: nil))
        let first = try store.nextDue(notCheckedSince: now, limit: 5)
        #expect(first == companies.prefix(5).map(\.id))
        #expect(try store.countDue(notCheckedSince: now) == 12)
        let record = try #require(try store.record(of: companies[3].id))
        #expect(record.status == nil && record.due && record.companyName == "Company 3" && record.configured)
    }

    @Test(
        "a stored result leaves the queue for this round; the oldest comes back first in the next; a mark during a check keeps it due",
        arguments: DirectoryBackend.all)
    func queue(backend: DirectoryBackend) throws {
        let (_, store, companies) = try Self.stores(backend, companies: 4)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try store.enrolMissing(limit: 10, at: start)
        // Checked in the order 2, 0, 3, 1, a second apart.
        for (offset, index) in [2, 0, 3, 1].enumerated() {
            let time = start.addingTimeInterval(Double(offset + 1))
            try store.store(Self.result(companies[index], .healthy, at: time), checkStartedAt: time)
        }
        #expect(try store.nextDue(notCheckedSince: start, limit: 10).isEmpty)
        #expect(try store.countDue(notCheckedSince: start) == 0)
        let nextRound = start.addingTimeInterval(60)
        #expect(try store.nextDue(notCheckedSince: nextRound, limit: 10) == [2, 0, 3, 1].map { companies[$0].id })

        // A save marks company 3 due: it comes first, even in the round that checked it.
        try store.markDue(companies[3], at: start.addingTimeInterval(30))
        #expect(try store.nextDue(notCheckedSince: start, limit: 10) == [companies[3].id])
        #expect(try store.nextDue(notCheckedSince: nextRound, limit: 2) == [companies[3].id, companies[2].id])
        // Its last result is kept until a check replaces it.
        #expect(try store.record(of: companies[3].id)?.status == .healthy)
        #expect(try store.record(of: companies[3].id)?.due == true)

        // A check that began before the mark does not clear it; one that began after does.
        try store.store(
            Self.result(companies[3], .healthy, at: start.addingTimeInterval(31)),
            checkStartedAt: start.addingTimeInterval(29))
        #expect(try store.record(of: companies[3].id)?.due == true)
        try store.store(
            Self.result(companies[3], .healthy, at: start.addingTimeInterval(32)),
            checkStartedAt: start.addingTimeInterval(31))
        #expect(try store.record(of: companies[3].id)?.due == false)
        #expect(try store.nextDue(notCheckedSince: start, limit: 10).isEmpty)
    }

    @Test(
        "the listing: problems first, by id within each status, pages that neither repeat nor skip; a status filter; the summary's counts",
        arguments: DirectoryBackend.all)
    func listing(backend: DirectoryBackend) throws {
        let (_, store, companies) = try Self.stores(backend, companies: 9)
        let now = Date()
        _ = try store.enrolMissing(limit: 100, at: now)
        let statuses: [HealthStatus?] = [
            .healthy, .down, .degraded, .healthy, .down, .notConfigured, nil, .degraded, .healthy,
        ]
        for (company, status) in zip(companies, statuses) {
            guard let status else { continue }
            try store.store(
                Self.result(
                    company, status, at: now, problems: status.severity > 0 ? ["trouble at \(company.name)"] : []),
                checkStartedAt: now)
        }
        var seen: [String] = []
        var after: CompanyHealthPage.Position?
        while true {
            let page = try store.page(status: nil, after: after, limit: 4)
            seen += page.map(\.companyId)
            guard page.count == 4, let last = page.last else { break }
            after = CompanyHealthPage.Position(after: last)
        }
        let order = [1, 4, 2, 7, 0, 3, 5, 6, 8].map { companies[$0].id.rawValue }
        #expect(seen == order)
        #expect(
            try store.page(status: .down, after: nil, limit: 10).map(\.companyId)
                == [1, 4].map { companies[$0].id.rawValue })
        #expect(
            try store.page(
                status: .degraded, after: CompanyHealthPage.Position(severity: 1, companyId: companies[2].id.rawValue),
                limit: 10
            )
            .map(\.companyId) == [companies[7].id.rawValue])
        let summary = try store.summary()
        #expect(summary.companies == 9 && summary.checked == 8 && summary.neverChecked == 1)
        #expect(summary.down == 2 && summary.degraded == 2 && summary.oldestCheckAt == Timestamp.format(now))
        let stored = try #require(try store.record(of: companies[1].id))
        #expect(
            stored.problems == ["trouble at Company 1"] && stored.account?.status == "active"
                && stored.durationMs == 12.3)
    }

    @Test("a run of failures is counted from its first DOWN check, and ends with a check that is not DOWN")
    func failures() {
        let company = F.company("65a1f0c2e4b0a1a2b3c4d5e1")
        let first = Self.result(company, .down, at: Date(timeIntervalSince1970: 100)).following(nil)
        let second = Self.result(company, .down, at: Date(timeIntervalSince1970: 200)).following(first)
        let third = Self.result(company, .down, at: Date(timeIntervalSince1970: 300)).following(second)
        #expect(third.consecutiveFailures == 3 && third.failingSince == first.checkedAt)
        let well = Self.result(company, .healthy, at: Date(timeIntervalSince1970: 400)).following(third)
        #expect(well.consecutiveFailures == 0 && well.failingSince == nil)
        let degraded = Self.result(company, .degraded, at: Date(timeIntervalSince1970: 500)).following(third)
        #expect(degraded.consecutiveFailures == 0)
    }

    @Test(
        "a company's health goes with it: removed on request; on the embedded store deleting the company deletes it, and a result for it is refused"
    )
    func deletion() throws {
        let (directory, store, companies) = try Self.stores(.sqlite, companies: 3)
        _ = try store.enrolMissing(limit: 10, at: Date())
        try store.remove(companies[0].id)
        #expect(try store.record(of: companies[0].id) == nil)
        let embedded = try #require(directory as? SQLiteTenantDirectory)
        try embedded.sharedDatabase().execute("DELETE FROM companies WHERE id = '\(companies[1].id.rawValue)'")
        #expect(try store.record(of: companies[1].id) == nil)
        #expect(try store.summary().companies == 1)
        do {
            try store.store(Self.result(companies[1], .healthy, at: Date()), checkStartedAt: Date())
            Issue.record("a result for a deleted company was stored")
        } catch {
            #expect(error.companyGone)
        }
    }

    @Test(
        "the platform check's candidates: only companies with credentials, the earliest lastUpdated first (none first), then id",
        arguments: DirectoryBackend.all)
    func credentialCandidates(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        let ids = Self.ids(5)
        var companies = ids.map { F.company($0) }
        companies[0].twilio.authToken = nil
        companies[1].twilio.lastUpdated = "2026-03-01T00:00:00.000Z"
        companies[2].twilio.lastUpdated = "2026-01-01T00:00:00.000Z"
        companies[3].twilio.lastUpdated = nil
        companies[4].twilio.accountSid = nil
        for company in companies { try directory.save(company) }
        #expect(try directory.companiesWithTwilioCredentials(limit: 8).map(\.id.rawValue) == [ids[3], ids[2], ids[1]])
        #expect(try directory.companiesWithTwilioCredentials(limit: 1).map(\.id.rawValue) == [ids[3]])
    }

    @Test("the embedded store answers the platform check's query and the sweep's queue from indexes")
    func embeddedQueryPlans() throws {
        let (directory, store, _) = try Self.stores(.sqlite, companies: 3)
        _ = try store.enrolMissing(limit: 10, at: Date())
        _ = try directory.companiesWithTwilioCredentials(limit: 1)
        let database = try (directory as! SQLiteTenantDirectory).sharedDatabase()
        func plan(_ sql: String) throws -> String {
            try database.prepare("EXPLAIN QUERY PLAN " + sql).rows([]).map {
                $0.compactMap { $0 }.joined(separator: " ")
            }.joined(separator: "\n")
        }
        let credentials = try plan(
            "SELECT document FROM companies WHERE \(SQLiteTenantDirectory.hasCredentials) ORDER BY json_extract(document, '$.twilioConfig.lastUpdated'), id LIMIT 1"
        )
        #expect(
            credentials.contains("companies_with_credentials") && !credentials.contains("TEMP B-TREE"), "\(credentials)"
        )
        let listing = try plan(
            "SELECT record FROM company_health WHERE severity < 2 OR (severity = 2 AND company_id > '') ORDER BY severity DESC, company_id LIMIT 51"
        )
        #expect(listing.contains("company_health_listing") && !listing.contains("TEMP B-TREE"), "\(listing)")
    }
}
