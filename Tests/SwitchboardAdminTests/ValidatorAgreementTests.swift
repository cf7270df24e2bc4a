import Foundation
import SwitchboardAdmin
import SwitchboardJSON
import TestSupport
import Testing

@testable import SwitchboardCore

/// The one validator, seen from each of its users: random companies, valid and not, go
/// through the writer (`seed`, `rotate-token`), ConfigPut's body, `doctor` and `migrate`,
/// and all of them must agree on each one: what the writer saves ConfigPut accepts and
/// the doctor does not flag, and what one refuses the others refuse (naming the same
/// fields); migrating a company changes none of that.
@Suite("One validator: seed, ConfigPut, doctor and migrate agree")
struct ValidatorAgreementTests {
    static let sealer = SecretSealer(current: try! .init(bytes: Array(repeating: 7, count: 32)))
    /// The doctor's kinds that are the validator's.
    static let validityKinds: Set<DirectoryDoctor.Finding.Kind> = [
        .invalidSetting, .invalidNumber, .missingCredentials, .forwardWithoutNumber, .smsUnworkable,
    ]

    @Test("random companies: every user of the validator gives the same verdict")
    func agreement() throws {
        let seed =
            ProcessInfo.processInfo.environment["SWITCHBOARD_PROPERTY_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        var accepted = 0
        var refused = 0
        for round in 0..<300 {
            let company = RandomCompany.make(round, using: &random)
            // The seed and round replay the company; its settings (test tokens among them) are
            // not printed.
            let context = "seed \(seed), company \(round)"

            let store = try StoreLocation.sqlite(
                path: try TestPaths.temporaryFolder().appendingPathComponent("store.sqlite").path
            ).open()
            let writer = CompanySettingsWriter(store: store, sealer: Self.sealer)
            var written = true
            do {
                try writer.save(company, updatedBy: "property")
            } catch {
                guard case .invalidCompany = error else { throw error }
                written = false
            }

            let put: [String]
            do {
                _ = try ConfigChange(
                    body: Self.body(company),
                    applyingTo: Company(id: company.id, name: "Before", twilio: TwilioConfig()), sealer: Self.sealer)
                put = []
            } catch {
                put = (error.errors ?? []).map(\.field)
            }

            let doctor = Self.validityFindings(company)
            let validator = CompanyValidator.problems(of: company).map(\.field)
            #expect(written == put.isEmpty, "writer and ConfigPut disagree (\(put)) — \(context)")
            #expect(written == doctor.isEmpty, "writer and doctor disagree (\(doctor)) — \(context)")
            #expect(Set(put) == Set(validator), "ConfigPut names other fields than the validator — \(context)")

            let migrated = try DirectoryMigration(sealer: Self.sealer).plan([company]).first?.migrated ?? company
            #expect(Self.validityFindings(migrated) == doctor, "migrate changed the verdict — \(context)")
            if written { accepted += 1 } else { refused += 1 }
        }
        // Both verdicts were reached often enough for the agreement to mean something.
        #expect(accepted >= 20 && refused >= 20, "seed \(seed): \(accepted) accepted, \(refused) refused")
    }

    /// The doctor's findings of the validator's kinds, by kind and the field they name.
    static func validityFindings(_ company: Company) -> [String] {
        DirectoryDoctor(sealer: sealer).examine([company]).filter { validityKinds.contains($0.kind) }
            .map { "\($0.kind.rawValue) \($0.detail.prefix { $0 != " " })" }.sorted()
    }

    /// The company as a `PUT` body: the whole view's shape, secrets in clear.
    static func body(_ company: Company) -> [String: JSONValue] {
        let config = company.twilio
        var fields: [String: JSONValue] = [:]
        func put(_ name: String, _ value: String?) { if let value { fields[name] = .string(value) } }
        func secret(_ value: StoredSecret?) -> String? {
            if case .plaintext(let text)? = value { return text }
            return nil
        }
        put("accountSid", config.accountSid)
        put("authToken", secret(config.authToken))
        put("apiKey", config.apiKey)
        put("apiSecret", secret(config.apiSecret))
        put("phoneNumber", config.phoneNumber)
        fields["phoneNumbers"] = .array(
            config.phoneNumbers.map { entry in
                var object: [String: JSONValue] = ["phoneNumber": .string(entry.phoneNumber)]
                if let name = entry.friendlyName { object["friendlyName"] = .string(name) }
                if let status = entry.status { object["status"] = .string(status) }
                if let primary = entry.isPrimary { object["isPrimary"] = .bool(primary) }
                return .object(object)
            })
        put("callRoutingMode", config.callRoutingMode?.rawValue)
        put("forwardNumber", config.forwardNumber)
        fields["recordingEnabled"] = .bool(config.recordingEnabled)
        put("whisperMessage", config.whisperMessage)
        put("forwardFallback", config.forwardFallback?.rawValue)
        put("voicemailGreeting", config.voicemailGreeting)
        put("agentStreamUrl", config.agentStreamUrl)
        put("smsMode", config.smsMode?.rawValue)
        put("smsAutoReply", config.smsAutoReply)
        put("smsForwardNumber", config.smsForwardNumber)
        func list(_ name: String, _ value: SettingList?) {
            if let value { fields[name] = .array(value.items.map(JSONValue.string)) }
        }
        list("forwardNumbers", config.forwardNumbers)
        put("forwardStrategy", config.forwardStrategy?.rawValue)
        if let screening = config.forwardScreening { fields["forwardScreening"] = .bool(screening) }
        put("timezone", config.timezone)
        if let hours = config.businessHours {
            fields["businessHours"] = .array(
                hours.entries.map {
                    .object([
                        "days": .array($0.days.map(JSONValue.string)), "open": .string($0.open),
                        "close": .string($0.close),
                    ])
                })
        }
        list("closedDates", config.closedDates)
        if let afterHours = config.afterHours { fields["afterHours"] = afterHours.shownValue }
        list("blockedCallers", config.blockedCallers)
        if let reject = config.rejectAnonymous { fields["rejectAnonymous"] = .bool(reject) }
        put("webhookSigning", config.webhookSigning?.rawValue)
        fields["requireSharedKey"] = .bool(config.requireSharedKey)
        return [
            "companyId": .string(company.id.rawValue), "companyName": .string(company.name),
            "twilioConfig": .object(fields),
        ]
    }
}

/// Companies whose every setting is drawn from valid values and, less often, from values
/// that break one rule or another.
enum RandomCompany {
    static func make(_ round: Int, using random: inout SplitMix64) -> Company {
        func pick<T>(_ valid: [T], _ invalid: [T]) -> T {
            invalid.isEmpty || random.next() % 100 < 95
                ? valid[Int(random.next() % UInt64(valid.count))] : invalid[Int(random.next() % UInt64(invalid.count))]
        }
        let own = ["+15550100001", "+15550100002", "+44 20 7946 0958"]
        var config = TwilioConfig()
        config.accountSid = pick(["AC" + String(repeating: "a", count: 32), nil], ["AC123"])
        config.authToken = pick(
            [.plaintext("0123456789abcdef0123456789abcdef"), nil], [.plaintext("not-a-token")])
        (config.apiKey, config.apiSecret) = pick(
            [(nil, nil), ("SK" + String(repeating: "1", count: 32), .plaintext("abcdefghijABCDEFGHIJ0123456789ab"))],
            [
                ("SK" + String(repeating: "1", count: 32), nil), (nil, .plaintext("abcdefghijABCDEFGHIJ0123456789ab")),
                ("SK12", .plaintext("short")),
            ])
        config.phoneNumbers = (0..<Int(random.next() % 3)).map { index in
            PhoneNumberEntry(
                phoneNumber: pick([own[index]], ["555-0100"]), friendlyName: pick([nil, "Front desk"], ["bell\u{7}"]),
                status: pick(["active", "inactive"], ["paused"]), isPrimary: pick([nil, index == 0], [true]))
        }
        config.phoneNumber = pick([nil, nil, "+1 (555) 010-0009"], ["0100"])
        config.callRoutingMode = pick([nil, .aiAgent, .voicemail, .forward], ["conference"])
        config.forwardNumber = pick([nil, "+15550199999", "+1-555-019-9998"], ["5550199", own[0]])
        config.recordingEnabled = random.next() % 2 == 0
        config.whisperMessage = pick([nil, "A caller for Acme"], [String(repeating: "x", count: 1_001)])
        config.forwardFallback = pick([nil, .voicemail, .hangup], ["ring-forever"])
        config.voicemailGreeting = pick([nil, "Leave a message"], ["bell \u{7} rings"])
        config.agentStreamUrl = pick([nil, "wss://agent.example.com/stream"], ["https://agent.example.com"])
        config.smsMode = pick([nil, .autoReply, .forward, SMSMode.none], ["broadcast"])
        config.smsAutoReply = pick([nil, "Thanks, we'll reply soon."], ["", String(repeating: "y", count: 1_601)])
        config.smsForwardNumber = pick([nil, "+15550188888"], ["12345"])
        config.forwardNumbers = pick(
            [nil, ["+15550199997", "+1 555 019 9996"]], [["+15550199997", own[1]], ["555"]])
        config.forwardStrategy = pick([nil, .simultaneous, .sequential], ["round-robin"])
        config.forwardScreening = pick([nil, true, false], [])
        config.timezone = pick([nil, "America/New_York", "Asia/Kolkata"], ["Mars/Base"])
        config.businessHours = pick(
            [nil, BusinessHours([OpeningHours(days: ["mon", "fri"], open: "08:00", close: "18:00")])],
            [
                BusinessHours([OpeningHours(days: ["mon"], open: "8am", close: "18:00")]),
                BusinessHours([
                    OpeningHours(days: ["sun"], open: "22:00", close: "09:00"),
                    OpeningHours(days: ["mon"], open: "08:00", close: "12:00"),
                ]),
            ])
        if config.businessHours != nil && config.timezone == nil && random.next() % 4 != 0 {
            config.timezone = "Europe/London"
        }
        config.closedDates =
            config.businessHours == nil ? pick([nil], [["2026-12-25"]]) : pick([nil, ["2026-12-25"]], [["2026-13-01"]])
        config.afterHours = pick(
            [nil, AfterHours(TwilioConfig(callRoutingMode: "voicemail", voicemailGreeting: "We are closed."))],
            [AfterHours(TwilioConfig(forwardNumber: own[0])), AfterHours(TwilioConfig(smsMode: "shout"))])
        config.blockedCallers = pick([nil, ["+1900*", "+15550177777"]], [["1900*"]])
        config.rejectAnonymous = pick([nil, true], [])
        config.webhookSigning = pick([nil, .authToken, .sharedKey], ["carrier-pigeon"])
        config.requireSharedKey = pick([false], [true])
        let name = pick(["Acme & Co", "Birch Dental"], ["", String(repeating: "n", count: 201)])
        let id = try! CompanyID(String(format: "65a1f0c2e4b0a1a2b3c4%04x", round))
        return Company(id: id, name: name, twilio: config)
    }
}

/// A small seeded generator, so a failing seed can be run again
/// (`SWITCHBOARD_PROPERTY_SEED`).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
