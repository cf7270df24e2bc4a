import Foundation
import Testing

@testable import SwitchboardCore

@Suite("Saving a company's settings")
struct CompanySettingsWriterTests {
    static let token = "0123456789abcdef0123456789abcdef"

    func setup() throws -> (any TenantDirectory, CompanySettingsWriter) {
        let store = try DirectoryBackend.sqlite.makeStore()
        return (store.directory, CompanySettingsWriter(store: store, sealer: DirectoryFixtures.sealer))
    }

    func company(_ edit: (inout TwilioConfig) -> Void = { _ in }) -> Company {
        var config = TwilioConfig(
            accountSid: "AC" + String(repeating: "0", count: 32), authToken: .plaintext(Self.token),
            phoneNumbers: [PhoneNumberEntry(phoneNumber: "+15550100001")], callRoutingMode: "voicemail")
        edit(&config)
        return Company(id: try! CompanyID("65a1f0c2e4b0a1a2b3c4d5e1"), name: "Acme", twilio: config)
    }

    @Test("plaintext secrets are sealed, and the change is stamped")
    func sealsAndStamps() throws {
        let (directory, writer) = try setup()
        let stored = try writer.save(
            company {
                $0.apiKey = "SK" + String(repeating: "1", count: 32)
                $0.apiSecret = .plaintext("apiSecret0123456789abcdefABCDEF0")
            }, updatedBy: "tester"
        ).company
        let read = try #require(try directory.company(id: stored.id))
        #expect(read.twilio.authToken?.isSealed == true)
        #expect(read.twilio.apiSecret?.isSealed == true)
        #expect(
            try DirectoryFixtures.sealer.open(read.twilio.authToken!, companyID: read.id.rawValue, field: .authToken)
                == Self.token)
        #expect(read.twilio.updatedBy == "tester")
        #expect(read.twilio.lastUpdated != nil)
    }

    @Test(
        "invalid settings are refused with a reason, and nothing is written",
        arguments: [
            ("accountSid", "accountSid must be AC followed by 32 hexadecimal digits"),
            ("mode", "callRoutingMode must be one of ai-agent, voicemail, forward"),
            (
                "forward",
                "forwardNumber is required when callRoutingMode is forward (or a ring group in forwardNumbers)"
            ),
            (
                "forwardNumber",
                "forwardNumber \"5550100\" is not a phone number: it has no + or 00 country prefix, so its country is ambiguous"
            ),
            ("stream", "agentStreamUrl must be a wss:// URL of at most 2048 characters without spaces"),
            (
                "number",
                "phoneNumbers[1].phoneNumber \"555-0100\" is not a phone number: it has no + or 00 country prefix, so its country is ambiguous"
            ),
            ("whisper", "whisperMessage must be at most 1000 characters without control characters"),
        ])
    func refusals(field: String, message: String) throws {
        let (directory, writer) = try setup()
        let bad = company { config in
            switch field {
            case "accountSid": config.accountSid = "AC123"
            case "mode": config.callRoutingMode = "conference"
            case "forward": config.callRoutingMode = "forward"
            case "forwardNumber": config.forwardNumber = "5550100"
            case "stream": config.agentStreamUrl = "https://agent.example.com"
            case "number": config.phoneNumbers.append(PhoneNumberEntry(phoneNumber: "555-0100"))
            default: config.whisperMessage = String(repeating: "x", count: 1_001)
            }
        }
        #expect(throws: DirectoryError.invalidCompany(message)) { try writer.save(bad, updatedBy: "tester") }
        #expect(try directory.allCompanies().isEmpty)
    }

    @Test("numbers are stored in E.164 whatever spelling they were given in")
    func normalisesNumbers() throws {
        let (directory, writer) = try setup()
        let stored = try writer.save(
            company {
                $0.phoneNumbers = [PhoneNumberEntry(phoneNumber: "+44-20-7946-0958")]
                $0.phoneNumber = "+1 (555) 010-0009"
                $0.callRoutingMode = "forward"
                $0.forwardNumber = "+1-555-000-1111"
            }, updatedBy: "tester"
        ).company
        #expect(stored.twilio.phoneNumbers.map(\.phoneNumber) == ["+442079460958"])
        let read = try #require(try directory.company(id: stored.id))
        #expect(read.twilio.phoneNumber == "+15550100009")
        #expect(read.twilio.forwardNumber == "+15550001111")
    }

    @Test("a replaced auth token is kept, sealed, for the grace period; an unchanged one is not rotated")
    func tokenRotation() throws {
        let store = try DirectoryBackend.sqlite.makeStore()
        let directory = store.directory
        let writer = CompanySettingsWriter(
            store: store, sealer: DirectoryFixtures.sealer, tokenGracePeriod: .seconds(3_600))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try writer.save(company(), updatedBy: "tester", now: now)
        #expect(!first.tokenRotated)

        // The same token again, in clear: nothing rotates, the sealed value is kept.
        let again = try writer.save(company(), updatedBy: "tester", now: now.addingTimeInterval(1))
        #expect(!again.tokenRotated)
        #expect(again.company.twilio.authToken == first.company.twilio.authToken)
        #expect(again.company.twilio.authTokenPrevious == nil)

        let newToken = "fedcba9876543210fedcba9876543210"
        let rotated = try writer.save(
            company { $0.authToken = .plaintext(newToken) }, updatedBy: "tester", now: now.addingTimeInterval(2))
        #expect(rotated.tokenRotated)
        let read = try #require(try directory.company(id: rotated.company.id))
        let previous = try #require(read.twilio.authTokenPrevious)
        #expect(previous.isSealed)
        #expect(
            try DirectoryFixtures.sealer.open(previous, companyID: read.id.rawValue, field: .authTokenPrevious)
                == Self.token)
        #expect(
            try DirectoryFixtures.sealer.open(read.twilio.authToken!, companyID: read.id.rawValue, field: .authToken)
                == newToken)
        #expect(read.twilio.authTokenPreviousExpiresAt == Timestamp.format(now.addingTimeInterval(3_602)))
        // Sealed for its own field: it does not open as the current token.
        #expect(throws: SealingError.authenticationFailed) {
            try DirectoryFixtures.sealer.open(previous, companyID: read.id.rawValue, field: .authToken)
        }

        // The snapshot a webhook sees carries both, the old one until it expires.
        let snapshot = TenantSnapshot(read)
        #expect(snapshot.previousAuthToken(at: now.addingTimeInterval(3_000)) == previous)
        #expect(snapshot.previousAuthToken(at: now.addingTimeInterval(3_603)) == nil)

        // A later save after the grace period drops the old token.
        let later = try writer.save(
            company { $0.authToken = .plaintext(newToken) }, updatedBy: "tester", now: now.addingTimeInterval(4_000))
        #expect(!later.tokenRotated)
        #expect(later.company.twilio.authTokenPrevious == nil)
        #expect(later.company.twilio.authTokenPreviousExpiresAt == nil)
    }

    @Test("lastUpdated only moves forward, to the millisecond")
    func stampMovesForward() throws {
        let (_, writer) = try setup()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try writer.save(company(), updatedBy: "tester", now: now).company
        let second = try writer.save(company(), updatedBy: "tester", now: now).company
        #expect(first.twilio.lastUpdated == "2027-01-15T08:00:00.000Z")
        #expect(second.twilio.lastUpdated == "2027-01-15T08:00:00.001Z")
    }

    @Test("a save replacing a version that is no longer stored is refused, and writes nothing")
    func staleVersion() throws {
        let (directory, writer) = try setup()
        let read = try writer.save(company(), updatedBy: "first").company
        try writer.save(company { $0.callRoutingMode = "ai-agent" }, updatedBy: "second", replacing: read)
        let current = try #require(try directory.company(id: read.id))
        #expect(throws: DirectoryError.changedMeanwhile(read.id)) {
            try writer.save(company { $0.recordingEnabled = true }, updatedBy: "third", replacing: read)
        }
        #expect(try directory.company(id: read.id) == current)
    }
}
