import Foundation
import Testing
@testable import SwitchboardCore

@Suite("Saving a company's settings")
struct CompanySettingsWriterTests {
    static let token = "0123456789abcdef0123456789abcdef"

    func setup() throws -> (any TenantDirectory, CompanySettingsWriter) {
        let directory = try DirectoryBackend.sqlite.make()
        return (directory, CompanySettingsWriter(directory: directory, sealer: DirectoryFixtures.sealer))
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
        let stored = try writer.save(company { $0.apiKey = "SK" + String(repeating: "1", count: 32); $0.apiSecret = .plaintext("api-secret") }, updatedBy: "tester").company
        let read = try #require(try directory.company(id: stored.id))
        #expect(read.twilio.authToken?.isSealed == true)
        #expect(read.twilio.apiSecret?.isSealed == true)
        #expect(try DirectoryFixtures.sealer.open(read.twilio.authToken!, companyID: read.id.rawValue, field: .authToken) == Self.token)
        #expect(read.twilio.updatedBy == "tester")
        #expect(read.twilio.lastUpdated != nil)
    }

    @Test("invalid settings are refused with a reason, and nothing is written", arguments: [
        ("accountSid", "accountSid must be AC followed by 32 hex digits"),
        ("mode", "callRoutingMode must be one of ai-agent, voicemail, forward"),
        ("forward", "callRoutingMode forward needs a forwardNumber"),
        ("forwardNumber", "forwardNumber has no + or 00 country prefix, so its country is ambiguous"),
        ("stream", "agentStreamUrl must be a wss:// URL"),
        ("number", "phone number \"555-0100\" has no + or 00 country prefix, so its country is ambiguous"),
        ("whisper", "whisperMessage must be at most 1000 characters"),
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
}
