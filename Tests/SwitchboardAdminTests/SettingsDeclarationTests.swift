import Foundation
import SwitchboardAdmin
import SwitchboardJSON
import TestSupport
import Testing

@testable import SwitchboardCore

/// What the declaration of the settings (``CompanySettings``) derives: the view ConfigGet
/// answers, what a `PUT` takes, the webhook snapshot, and openapi.yaml's schemas, which
/// are written by hand and so are checked against it here.
@Suite("One declaration of a company's settings")
struct SettingsDeclarationTests {
    static let sealer = SecretSealer(current: try! .init(bytes: Array(repeating: 9, count: 32)))

    @Test("the view shows every setting but the ones Switchboard keeps to itself, and a has… flag beside each secret")
    func view() throws {
        let company = Company(id: try CompanyID("c1"), name: "Acme", twilio: TwilioConfig())
        let view = CompanyConfigView(company, sealer: Self.sealer).twilioConfig.fields
        let expected = Set(
            CompanySettings.all.filter { $0.access != .internalOnly }.map(\.name)
                + CompanySettings.all.compactMap(\.presenceFlag))
        #expect(Set(view.keys) == expected)
        #expect(!view.keys.contains("authTokenPrevious") && !view.keys.contains("webhookSharedKeyPrevious"))
        // Defaults show as what nothing stored means; the rest as null.
        #expect(view["forwardFallback"] == .string("voicemail") && view["smsMode"] == .string("none"))
        #expect(view["webhookSigning"] == .string("auth-token") && view["callRoutingMode"] == .null)
        #expect(view["hasAuthToken"] == .bool(false) && view["recordingEnabled"] == .bool(false))
    }

    @Test("the stored document reads back as it was written, an unknown mode kept as stored")
    func storedRoundTrip() throws {
        var config = TwilioConfig(
            accountSid: "AC" + String(repeating: "a", count: 32),
            phoneNumbers: [PhoneNumberEntry(phoneNumber: "+15550100001")],
            callRoutingMode: "conference", forwardFallback: .hangup, smsMode: "auto-reply", smsAutoReply: "Hi")
        config.lastUpdated = "2026-12-01T10:00:00.000Z"
        let company = Company(id: try CompanyID("c1"), name: "Acme", twilio: config)
        let data = try JSONEncoder().encode(company)
        let read = try JSONDecoder().decode(Company.self, from: data)
        #expect(read == company)
        #expect(
            read.twilio.callRoutingMode == .unrecognized("conference") && read.twilio.callRoutingMode?.isKnown == false)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""callRoutingMode":"conference""#) && text.contains(#""smsMode":"auto-reply""#))
    }

    @Test("the snapshot holds the webhook settings and nothing else")
    func snapshot() throws {
        let config = TwilioConfig(
            accountSid: "AC" + String(repeating: "a", count: 32), apiKey: "SK" + String(repeating: "1", count: 32),
            apiSecret: .plaintext("x"), phoneNumbers: [PhoneNumberEntry(phoneNumber: "+15550100001")],
            callRoutingMode: .forward, forwardNumber: "+15550199999", lastUpdated: "2026-12-01T10:00:00.000Z")
        let tenant = TenantSnapshot(Company(id: try CompanyID("c1"), name: "Acme", twilio: config))
        #expect(tenant.callRoutingMode == CallRoutingMode.forward && tenant.forwardNumber == "+15550199999")
        #expect(
            tenant.apiKey == nil && tenant.apiSecret == nil && tenant.phoneNumbers.isEmpty && tenant.lastUpdated == nil)
        let cached = try JSONDecoder().decode(TenantSnapshot.self, from: try JSONEncoder().encode(tenant))
        #expect(cached == tenant)
    }

    @Test("openapi.yaml's TwilioConfig and TwilioConfigInput list exactly the declared settings")
    func openAPI() throws {
        let shown =
            CompanySettings.all.filter { $0.access != .internalOnly }.map(\.name)
            + CompanySettings.all.compactMap(\.presenceFlag)
        let taken = CompanySettings.editable.map(\.name) + Array(CompanySettings.readOnlyNames)
        let script = """
            import sys, yaml
            spec = yaml.safe_load(open(sys.argv[1]))["components"]["schemas"]
            shown, taken = set(sys.argv[2].split(",")), set(sys.argv[3].split(","))
            problems = []
            for name, expected in (("TwilioConfig", shown), ("TwilioConfigInput", taken)):
                listed = set(spec[name]["properties"])
                if listed != expected:
                    problems.append(f"{name}: missing {sorted(expected - listed)}, extra {sorted(listed - expected)}")
            if set(spec["TwilioConfig"]["required"]) != shown:
                problems.append("TwilioConfig.required differs from the view")
            print("\\n".join(problems))
            sys.exit(1 if problems else 0)
            """
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [
                "-c", script, TestPaths.packageRoot.appendingPathComponent("openapi.yaml").path,
                shown.joined(separator: ","), taken.joined(separator: ","),
            ], environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }
}
