import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// A directory backend the contract suite runs against. Every backend must pass the
/// same suite unchanged.
struct DirectoryBackend: Sendable, CustomTestStringConvertible {
    let name: String

    var testDescription: String { name }

    /// A new, empty store on this backend.
    func makeStore() throws -> any SwitchboardStore { try TestStores.make(name) }

    /// The directory of a new, empty store on this backend.
    func make() throws -> any TenantDirectory { try makeStore().directory }

    static let sqlite = DirectoryBackend(name: "sqlite")

    /// MongoDB through libmongoc, on the server `MONGODB_URI` names (the wire-protocol
    /// test server `make test` starts, or a real MongoDB): a fresh database per use.
    static let mongodb = DirectoryBackend(name: "mongodb")

    static let all: [DirectoryBackend] = [.sqlite, .mongodb]
}

/// Companies for the contract, with sealed secrets.
enum DirectoryFixtures {
    static let sealer = SecretSealer(current: try! .init(bytes: Array(repeating: 3, count: 32)))

    static func company(
        _ id: String, name: String = "Company", list: [(String, String)] = [], legacy: String? = nil,
        mode: String = "voicemail"
    ) -> Company {
        let companyID = try! CompanyID(id)
        return Company(
            id: companyID, name: name,
            twilio: TwilioConfig(
                accountSid: "AC" + String(repeating: "a", count: 32),
                authToken: .sealed(sealer.seal("token-\(id)", companyID: id, field: .authToken)),
                phoneNumber: legacy,
                phoneNumbers: list.map { PhoneNumberEntry(phoneNumber: $0.0, status: $0.1) },
                callRoutingMode: CallRoutingMode.named(mode)
            ))
    }

    static func number(_ text: String) -> PhoneNumber { try! PhoneNumber(parsing: text) }
}

@Suite("Directory contract (every backend)")
struct DirectoryContractTests {
    typealias F = DirectoryFixtures

    @Test("a saved company reads back unchanged, by id", arguments: DirectoryBackend.all)
    func roundTrip(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        var company = F.company(
            "65a1f0c2e4b0a1a2b3c4d5e1", name: "Acme & Sons ✓", list: [("+15550100001", "active")], mode: "forward")
        company.twilio.forwardNumber = "+15550199999"
        company.twilio.whisperMessage = "Call for Acme <urgent>"
        company.twilio.recordingEnabled = true
        company.twilio.phoneNumbers[0].friendlyName = "Front desk"
        company.twilio.phoneNumbers[0].isPrimary = true
        try directory.save(company)
        #expect(try directory.company(id: company.id) == company)
        #expect(try directory.company(id: CompanyID("65a1f0c2e4b0a1a2b3c4d5ff")) == nil)
    }

    @Test("lookup finds a number saved in any spelling, however it is asked", arguments: DirectoryBackend.all)
    func lookupByEveryForm(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(F.company("c1", list: [("+1-555-010-0001", "active"), ("+15550100002", "active")]))
        for asked in ["+15550100001", "+1-555-010-0001", "+1 (555) 010-0001", "+1.555.010.0001", "001 555 010 0001"] {
            #expect(
                try directory.tenant(servingNumber: F.number(asked))?.companyID.rawValue == "c1", "asked as \(asked)")
        }
        #expect(try directory.tenant(servingNumber: F.number("+15550100002"))?.companyID.rawValue == "c1")
        #expect(try directory.tenant(servingNumber: F.number("+15550100003")) == nil)
    }

    @Test(
        "a number outside North America saved formatted is stored in E.164 and found", arguments: DirectoryBackend.all)
    func formattedInternationalNumber(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        var company = F.company(
            "uk", list: [("+44-20-7946-0958", "active")], legacy: "+33 1 42 68 53 00", mode: "forward")
        company.twilio.forwardNumber = "+49 (30) 901820"
        try directory.save(company)
        #expect(try directory.tenant(servingNumber: F.number("+442079460958"))?.companyID.rawValue == "uk")
        #expect(try directory.tenant(servingNumber: F.number("+33142685300"))?.companyID.rawValue == "uk")
        let stored = try #require(try directory.company(id: CompanyID("uk")))
        #expect(stored.twilio.phoneNumbers.map(\.phoneNumber) == ["+442079460958"])
        #expect(stored.twilio.phoneNumber == "+33142685300")
        #expect(stored.twilio.forwardNumber == "+4930901820")
        // The unique constraint holds for every spelling of it.
        #expect(throws: DirectoryError.numberTaken(F.number("+442079460958"))) {
            try directory.save(F.company("other", list: [("+44 20 7946 0958", "inactive")]))
        }
    }

    @Test("the legacy single-number field is found, and stored in E.164", arguments: DirectoryBackend.all)
    func legacyField(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(F.company("legacy", legacy: "+1-555-040-0001"))
        #expect(try directory.tenant(servingNumber: F.number("+15550400001"))?.companyID.rawValue == "legacy")
        #expect(try directory.company(id: CompanyID("legacy"))?.twilio.phoneNumber == "+15550400001")
    }

    @Test("who holds a number, in either field, active or not", arguments: DirectoryBackend.all)
    func holder(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(F.company("c1", list: [("+15550110001", "inactive")], legacy: "+15550110002"))
        #expect(try directory.companyID(holding: F.number("+15550110001"))?.rawValue == "c1")
        #expect(try directory.companyID(holding: F.number("+1-555-011-0002"))?.rawValue == "c1")
        #expect(try directory.companyID(holding: F.number("+15550110003")) == nil)
    }

    @Test("a conditional save writes only while the company is as it was read", arguments: DirectoryBackend.all)
    func compareAndSet(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        var original = F.company("c1", list: [("+15550120001", "active")])
        original.twilio.lastUpdated = "2026-11-27T01:00:00.000Z"
        try directory.save(original)
        let read = try #require(try directory.company(id: original.id))

        var first = read
        first.twilio.callRoutingMode = "forward"
        first.twilio.forwardNumber = "+15550129999"
        first.twilio.lastUpdated = "2026-11-27T01:00:00.001Z"
        try directory.save(first, replacing: read)
        let afterFirst = try #require(try directory.company(id: original.id))
        #expect(afterFirst.twilio.callRoutingMode == .forward)

        // A second editor who read the same version is refused, and nothing changes.
        var second = read
        second.twilio.phoneNumbers = [PhoneNumberEntry(phoneNumber: "+15550120002")]
        second.twilio.lastUpdated = "2026-11-27T01:00:00.002Z"
        #expect(throws: DirectoryError.changedMeanwhile(original.id)) { try directory.save(second, replacing: read) }
        #expect(try directory.company(id: original.id) == afterFirst)
        #expect(try directory.tenant(servingNumber: F.number("+15550120002")) == nil)
        #expect(try directory.tenant(servingNumber: F.number("+15550120001"))?.companyID == original.id)

        // A company that does not exist cannot be replaced.
        let ghost = F.company("ghost")
        #expect(throws: DirectoryError.changedMeanwhile(ghost.id)) { try directory.save(ghost, replacing: ghost) }
        #expect(try directory.company(id: ghost.id) == nil)
    }

    @Test("inactive numbers are not answered, but still belong to their company", arguments: DirectoryBackend.all)
    func inactiveNumbers(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(
            F.company(
                "c1", list: [("+15550200001", "active"), ("+15550200002", "inactive"), ("+15550200003", "released")]))
        #expect(try directory.tenant(servingNumber: F.number("+15550200001"))?.companyID.rawValue == "c1")
        #expect(try directory.tenant(servingNumber: F.number("+15550200002")) == nil)
        #expect(try directory.tenant(servingNumber: F.number("+15550200003")) == nil)
        #expect(throws: DirectoryError.numberTaken(F.number("+15550200002"))) {
            try directory.save(F.company("c2", list: [("+15550200002", "active")]))
        }
    }

    @Test("one number, one company: in the list, the legacy field, or across them", arguments: DirectoryBackend.all)
    func oneNumberOneCompany(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(F.company("c1", list: [("+15550300001", "active")], legacy: "+1-555-030-0009"))
        let attempts: [Company] = [
            F.company("c2", list: [("+15550300001", "active")]),  // list vs list
            F.company("c2", legacy: "+15550300001"),  // legacy vs list
            F.company("c2", list: [("+1-555-030-0009", "inactive")]),  // list vs legacy, other spelling
            F.company("c2", legacy: "+1 555 030 0009"),  // legacy vs legacy
        ]
        for attempt in attempts {
            #expect(throws: DirectoryError.self) { try directory.save(attempt) }
            // Nothing of the refused save was written.
            #expect(try directory.company(id: CompanyID("c2")) == nil)
        }
        #expect(try directory.tenant(servingNumber: F.number("+15550300001"))?.companyID.rawValue == "c1")
        #expect(try directory.tenant(servingNumber: F.number("+15550300009"))?.companyID.rawValue == "c1")
    }

    @Test("a refused update leaves the company as it was", arguments: DirectoryBackend.all)
    func refusedUpdateChangesNothing(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        let first = F.company("c1", list: [("+15550500001", "active")])
        let second = F.company("c2", list: [("+15550500002", "active")])
        try directory.save(first)
        try directory.save(second)
        let grab = F.company("c2", list: [("+15550500002", "active"), ("+15550500001", "active")], mode: "forward")
        #expect(throws: DirectoryError.numberTaken(F.number("+15550500001"))) { try directory.save(grab) }
        #expect(try directory.company(id: second.id) == second)
        #expect(try directory.tenant(servingNumber: F.number("+15550500002"))?.companyID == second.id)
    }

    @Test(
        "a company can re-save itself, hold a number in both fields, and release numbers",
        arguments: DirectoryBackend.all)
    func ownNumbers(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        try directory.save(F.company("c1", list: [("+15550600001", "active")], legacy: "+1-555-060-0001"))
        try directory.save(F.company("c1", list: [("+15550600001", "active")], legacy: "+1-555-060-0001"))
        // c1 lets the number go; c2 may now have it.
        try directory.save(F.company("c1", list: [("+15550600002", "active")]))
        try directory.save(F.company("c2", list: [("+15550600001", "active")]))
        #expect(try directory.tenant(servingNumber: F.number("+15550600001"))?.companyID.rawValue == "c2")
        #expect(try directory.tenant(servingNumber: F.number("+15550600002"))?.companyID.rawValue == "c1")
    }

    @Test("secrets must be sealed and numbers valid before they are stored", arguments: DirectoryBackend.all)
    func storageRules(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        var plaintext = F.company("c1", list: [("+15550700001", "active")])
        plaintext.twilio.authToken = .plaintext("0123456789abcdef0123456789abcdef")
        #expect(throws: DirectoryError.invalidCompany("authToken must be sealed before it is stored")) {
            try directory.save(plaintext)
        }
        let badNumber = F.company("c1", list: [("555-0100", "active")])
        #expect(throws: DirectoryError.self) { try directory.save(badNumber) }
        #expect(try directory.allCompanies().isEmpty)
    }

    @Test("every company, ordered by id", arguments: DirectoryBackend.all)
    func listing(backend: DirectoryBackend) throws {
        let directory = try backend.make()
        for id in ["c3", "c1", "c2"] { try directory.save(F.company(id, list: [("+1555080000\(id.last!)", "active")])) }
        #expect(try directory.allCompanies().map(\.id.rawValue) == ["c1", "c2", "c3"])
    }
}
