import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// The recipient ledger (opt-outs and WhatsApp windows), run unchanged on both backends:
/// STOP and START in any order and repeated end in the state of the latest, per company;
/// the listing pages and counts; WhatsApp's last-inbound time only moves forward; and a
/// WhatsApp sender is found by its channel, never an ordinary number's company.
@Suite("Recipient ledger and WhatsApp senders (every backend)")
struct RecipientLedgerTests {
    static let acme = try! CompanyID("65a1f0c2e4b0a1a2b3c4d5f1")
    static let birch = try! CompanyID("65a1f0c2e4b0a1a2b3c4d5f2")
    static let customer = try! PhoneNumber(parsing: "+15557654321")
    static let base = Date(timeIntervalSince1970: 1_790_000_000)

    static func change(_ optedOut: Bool, _ seconds: Double, company: CompanyID = acme, number: PhoneNumber = customer)
        -> OptChange
    {
        OptChange(
            companyID: company, number: number, optedOut: optedOut, at: base.addingTimeInterval(seconds),
            source: optedOut ? "STOP" : "START")
    }

    @Test(
        "STOP then START, repeats and stale changes: the latest wins; companies apart", arguments: TestStores.backends)
    func sequence(backend: String) throws {
        let ledger = try TestStores.make(backend).recipientLedger()
        #expect(try ledger.recipient(companyID: Self.acme, number: Self.customer) == nil)
        #expect(try ledger.record(Self.change(true, 10)))
        #expect(try ledger.recipient(companyID: Self.acme, number: Self.customer)?.optedOut == true)
        #expect(try ledger.recipient(companyID: Self.birch, number: Self.customer) == nil, "another company's STOP")
        // A repeat of the same STOP changes nothing; a START older than it is ignored.
        #expect(try !ledger.record(Self.change(true, 10)))
        #expect(try !ledger.record(Self.change(false, 5)))
        #expect(try ledger.recipient(companyID: Self.acme, number: Self.customer)?.optedOut == true)
        // A later START opts back in; a START at the very time of a STOP does not.
        #expect(try ledger.record(Self.change(false, 20)))
        #expect(try ledger.recipient(companyID: Self.acme, number: Self.customer)?.optedOut == false)
        #expect(try ledger.record(Self.change(true, 20)), "an opt-out at the same time wins")
        #expect(try !ledger.record(Self.change(false, 20)))
        let stored = try #require(try ledger.recipient(companyID: Self.acme, number: Self.customer))
        #expect(stored.optedOut && stored.source == "STOP")
        #expect(stored.changedAt.map(Timestamp.format) == Timestamp.format(Self.base.addingTimeInterval(20)))
    }

    @Test(
        "any order of 40 random STOPs and STARTs over 5 numbers ends as the latest of each says",
        arguments: TestStores.backends)
    func randomOrders(backend: String) throws {
        var generator = SystemRandomNumberGenerator()
        let numbers = try (1...5).map { try PhoneNumber(parsing: "+1555765000\($0)") }
        for _ in 0..<3 {
            let ledger = try TestStores.make(backend).recipientLedger()
            let changes = (0..<40).map { _ in
                Self.change(
                    Bool.random(using: &generator), Double(Int.random(in: 0..<30, using: &generator)),
                    number: numbers.randomElement(using: &generator)!)
            }
            for change in changes.shuffled(using: &generator) { try ledger.record(change) }
            for change in changes.shuffled(using: &generator).prefix(10) { try ledger.record(change) }  // repeats
            for number in numbers {
                let mine = changes.filter { $0.number == number }
                let latest = mine.map(\.at).max()
                let expected = latest.map { at in mine.contains { $0.at == at && $0.optedOut } }
                let stored = try ledger.recipient(companyID: Self.acme, number: number)
                #expect(stored?.optedOut == expected, "\(number): \(mine.map { ($0.at, $0.optedOut) })")
            }
            let listed = try ledger.optOuts(companyID: Self.acme, after: nil, limit: 10).map(\.number)
            let expected = try numbers.filter {
                try ledger.recipient(companyID: Self.acme, number: $0)?.optedOut == true
            }
            #expect(listed == expected)
            #expect(try ledger.optOutCount(companyID: Self.acme) == expected.count)
        }
    }

    @Test(
        "the listing pages in number order and counts; WhatsApp times only move forward", arguments: TestStores.backends
    )
    func listingAndWindow(backend: String) throws {
        let ledger = try TestStores.make(backend).recipientLedger()
        let numbers = try (10...16).map { try PhoneNumber(parsing: "+155576543\($0)") }
        for number in numbers.reversed() { try ledger.record(Self.change(true, 1, number: number)) }
        try ledger.record(Self.change(false, 2, number: numbers[3]))
        try ledger.record(Self.change(true, 1, company: Self.birch, number: numbers[0]))
        let first = try ledger.optOuts(companyID: Self.acme, after: nil, limit: 4).map(\.number)
        #expect(first == [numbers[0], numbers[1], numbers[2], numbers[4]])
        let second = try ledger.optOuts(companyID: Self.acme, after: first.last, limit: 4).map(\.number)
        #expect(second == [numbers[5], numbers[6]])
        #expect(try ledger.optOutCount(companyID: Self.acme) == 6)
        #expect(try ledger.optOutCount(companyID: Self.birch) == 1)

        let later = Self.base.addingTimeInterval(600)
        try ledger.recordWhatsAppInbound(companyID: Self.acme, number: Self.customer, at: later)
        try ledger.recordWhatsAppInbound(companyID: Self.acme, number: Self.customer, at: Self.base)
        let seen = try #require(try ledger.recipient(companyID: Self.acme, number: Self.customer))
        #expect(seen.lastWhatsAppInbound.map(Timestamp.format) == Timestamp.format(later))
        #expect(!seen.optedOut, "a WhatsApp message opts nobody out")
        // A STOP after a WhatsApp message keeps the window's time, and the other way round.
        try ledger.record(Self.change(true, 700))
        try ledger.recordWhatsAppInbound(companyID: Self.acme, number: Self.customer, at: later.addingTimeInterval(200))
        let both = try #require(try ledger.recipient(companyID: Self.acme, number: Self.customer))
        #expect(
            both.optedOut
                && both.lastWhatsAppInbound.map(Timestamp.format) == Timestamp.format(later.addingTimeInterval(200)))
    }

    @Test(
        "a WhatsApp sender is found by its channel: its company for whatsapp, nobody for calls to a WhatsApp-only number",
        arguments: TestStores.backends)
    func whatsAppSenders(backend: String) throws {
        let store = try TestStores.make(backend)
        let sealer = DirectoryFixtures.sealer
        let both = try PhoneNumber(parsing: "+15550910001")
        let whatsAppOnly = try PhoneNumber(parsing: "+15550910002")
        let plain = try PhoneNumber(parsing: "+15550910003")
        var company = DirectoryFixtures.company(Self.acme.rawValue, list: [("+15550910001", "active")])
        company.twilio.phoneNumbers += [
            PhoneNumberEntry(phoneNumber: "+15550910001", channel: "whatsapp"),
            PhoneNumberEntry(phoneNumber: "+15550910002", channel: "whatsapp"),
            PhoneNumberEntry(phoneNumber: "+15550910003"),
        ]
        #expect(CompanyValidator.problems(of: company).isEmpty, "\(CompanyValidator.problems(of: company))")
        var twice = company
        twice.twilio.phoneNumbers.append(PhoneNumberEntry(phoneNumber: "+15550910002", channel: "whatsapp"))
        twice.twilio.phoneNumbers.append(PhoneNumberEntry(phoneNumber: "+15550910004", channel: "telegram"))
        #expect(
            CompanyValidator.problems(of: twice).map(\.description).sorted() == [
                "phoneNumbers[4].phoneNumber +15550910002 is listed twice as a WhatsApp sender",
                "phoneNumbers[5].channel must be whatsapp (a WhatsApp sender), or absent for calls and texts",
            ])
        _ = try CompanySettingsWriter(store: store, sealer: sealer).save(company, updatedBy: "t")
        let directory = store.directory
        #expect(try directory.tenant(servingWhatsApp: both)?.companyID == Self.acme)
        #expect(try directory.tenant(servingWhatsApp: whatsAppOnly)?.companyID == Self.acme)
        #expect(try directory.tenant(servingWhatsApp: plain) == nil, "an ordinary number is no WhatsApp sender")
        #expect(try directory.tenant(servingNumber: both)?.companyID == Self.acme)
        #expect(try directory.tenant(servingNumber: plain)?.companyID == Self.acme)
        #expect(try directory.tenant(servingNumber: whatsAppOnly) == nil, "calls to a WhatsApp-only sender")
        // Another company may not take the number on either channel.
        var birch = DirectoryFixtures.company(Self.birch.rawValue, list: [])
        birch.twilio.phoneNumbers = [PhoneNumberEntry(phoneNumber: "+15550910002")]
        #expect(throws: DirectoryError.self) {
            _ = try CompanySettingsWriter(store: store, sealer: sealer).save(birch, updatedBy: "t")
        }
        #expect(try directory.tenant(servingNumber: whatsAppOnly) == nil)
        #expect(company.whatsAppSenders == [both, whatsAppOnly])
    }
}
