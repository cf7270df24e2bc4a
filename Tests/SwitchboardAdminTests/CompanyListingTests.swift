import Foundation
import SwitchboardCore
import TestSupport
import Testing

@testable import SwitchboardAdmin

@Suite("GET /api/companies: pages, cursors and who sees what (every backend)")
struct CompanyListingTests {
    static let sealer = SecretSealer(current: try! .init(bytes: Array(repeating: 5, count: 32)))

    static func directory(_ backend: String) throws -> any TenantDirectory {
        try TestDirectories.make(backend)
    }

    static func seed(_ directory: any TenantDirectory, count: Int) throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let id = "65a1f0c2e4b0a1a2b3c4d" + String(format: "%03x", index)
            var config = TwilioConfig(phoneNumbers: [
                PhoneNumberEntry(
                    phoneNumber: "+1555020\(String(format: "%04d", index))",
                    status: index % 2 == 0 ? "active" : "inactive")
            ])
            if index % 3 == 0 {
                config.accountSid = "AC" + String(repeating: "3", count: 32)
                config.authToken = .sealed(sealer.seal("t", companyID: id, field: .authToken))
            }
            try directory.save(Company(id: try CompanyID(id), name: "Company \(index)", twilio: config))
            ids.append(id)
        }
        return ids
    }

    @Test(
        "an admin pages through every company in id order; the last page has no cursor",
        arguments: ["sqlite", "mongodb"])
    func paging(backend: String) throws {
        let directory = try Self.directory(backend)
        let ids = try Self.seed(directory, count: 7)
        let listing = CompanyListing(directory: directory)
        let admin = AdminIdentity(subject: "a", role: .admin, expiresAt: .distantFuture)
        var seen: [String] = []
        var query = FormParameters([("limit", "3")])
        var pages = 0
        while true {
            let page = try listing.page(try CompanyListing.Request(query: query), for: admin)
            pages += 1
            seen += page.companies.map(\.companyId)
            guard let next = page.next else { break }
            query = FormParameters([("limit", "3"), ("after", next)])
        }
        #expect(seen == ids)
        #expect(pages == 3)
        let first = try listing.page(try CompanyListing.Request(query: FormParameters([])), for: admin)
        #expect(first.companies.count == 7 && first.next == nil)
        #expect(first.companies[0].twilioConfigured && !first.companies[1].twilioConfigured)
        #expect(first.companies[1].phoneNumbers.first?.status == "inactive")
    }

    @Test(
        "each listed company carries its last health check in brief (status, when, first problem); one the sweep has not seen carries none",
        arguments: ["sqlite", "mongodb"])
    func health(backend: String) throws {
        let opened = try TestStores.make(backend)
        let directory = opened.directory
        let ids = try Self.seed(directory, count: 3)
        let store = opened.healthStore()
        let first = try #require(try directory.company(id: try CompanyID(ids[0])))
        try store.markDue(first, at: Date())
        var record = CompanyHealthRecord.unchecked(first)
        record.status = .down
        record.checkedAt = "2026-12-04T10:00:00.000Z"
        record.problems = ["its Twilio account is suspended", "and more"]
        try store.store(record, checkStartedAt: Date())
        try store.markDue(try #require(try directory.company(id: try CompanyID(ids[1]))), at: Date())
        let admin = AdminIdentity(subject: "a", role: .admin, expiresAt: .distantFuture)
        let page = try CompanyListing(directory: directory, health: store).page(
            try CompanyListing.Request(query: FormParameters([])), for: admin)
        #expect(
            page.companies.map(\.health) == [
                .init(status: .down, checkedAt: "2026-12-04T10:00:00.000Z", problem: "its Twilio account is suspended"),
                .init(status: nil, checkedAt: nil, problem: nil), nil,
            ])
    }

    @Test("a company token lists its own company only", arguments: ["sqlite", "mongodb"])
    func companyToken(backend: String) throws {
        let directory = try Self.directory(backend)
        let ids = try Self.seed(directory, count: 4)
        let own = AdminIdentity(subject: "c", role: .company(try CompanyID(ids[2])), expiresAt: .distantFuture)
        let page = try CompanyListing(directory: directory).page(
            try CompanyListing.Request(query: FormParameters([])), for: own)
        #expect(page.companies.map(\.companyId) == [ids[2]])
        let ghost = AdminIdentity(subject: "c", role: .company(try CompanyID("nobody")), expiresAt: .distantFuture)
        #expect(
            try CompanyListing(directory: directory).page(
                try CompanyListing.Request(query: FormParameters([])), for: ghost
            ).companies.isEmpty)
    }

    @Test(
        "bad limits and cursors are 400s naming the parameter",
        arguments: [
            [("limit", "0")], [("limit", "201")], [("limit", "ten")], [("after", "not-a-cursor!")],
            [("after", Data("v2:x".utf8).base64URLEncoded())],
        ] as [[(String, String)]])
    func badRequests(query: [(String, String)]) {
        do {
            _ = try CompanyListing.Request(query: FormParameters(query))
            Issue.record("accepted \(query)")
        } catch {
            #expect(error.status == 400)
            #expect(error.detail.contains(query[0].0))
        }
    }
}
