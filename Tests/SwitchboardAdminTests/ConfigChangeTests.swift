import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardAdmin

@Suite("ConfigPut's body: every rule, every problem at once")
struct ConfigChangeTests {
    static let sealer = SecretSealer(current: try! .init(bytes: Array(repeating: 7, count: 32)))
    static let id = try! CompanyID("65a1f0c2e4b0a1a2b3c4d5e1")
    static let token = "0123456789abcdef0123456789abcdef"
    static let sid = "AC" + String(repeating: "a", count: 32)

    /// The stored company the bodies change.
    static let current: Company = {
        Company(
            id: id, name: "Acme",
            twilio: TwilioConfig(
                accountSid: sid, authToken: .sealed(sealer.seal(token, companyID: id.rawValue, field: .authToken)),
                phoneNumbers: [
                    PhoneNumberEntry(
                        phoneNumber: "+15550100001", friendlyName: "Front desk", status: "active", isPrimary: true)
                ],
                callRoutingMode: "voicemail"))
    }()

    static func change(_ json: String, current: Company = current) throws(Problem) -> ConfigChange {
        let object = try ConfigChange.jsonObject(contentType: "application/json; charset=utf-8", body: Array(json.utf8))
        return try ConfigChange(body: object, applyingTo: current, sealer: sealer)
    }

    static func fields(_ json: String) -> [String] {
        do {
            _ = try change(json)
            return []
        } catch {
            return error.errors?.map(\.field) ?? ["<\(error.status)>"]
        }
    }

    static let valid = """
        {"accountSid": "\(sid)", "phoneNumbers": [{"phoneNumber": "+1 (555) 010-0001", "status": "active", "isPrimary": true}],
         "callRoutingMode": "voicemail"}
        """

    @Test("a valid body: numbers stored in E.164, the stored token kept when left out")
    func valid() throws {
        let change = try Self.change(Self.valid)
        #expect(change.company.twilio.phoneNumbers.map(\.phoneNumber) == ["+15550100001"])
        #expect(change.company.twilio.authToken == Self.current.twilio.authToken)
        #expect(change.newAuthToken == nil)
        #expect(!change.credentialsChanged)
        #expect(change.numbersToVerify.isEmpty)
    }

    @Test("GET's own answer, edited and sent back whole, is accepted; the masked token keeps the stored one")
    func roundTrip() throws {
        let view = CompanyConfigView(Self.current, sealer: Self.sealer)
        var document = try JSONSerialization.jsonObject(with: Data(APIJSON.encode(view).utf8)) as! [String: Any]
        var config = document["twilioConfig"] as! [String: Any]
        #expect(config["authToken"] as? String == "••••" + Self.token.suffix(4))
        config["recordingEnabled"] = true
        document["twilioConfig"] = config
        let body = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let change = try Self.change(body)
        #expect(change.company.twilio.recordingEnabled)
        #expect(change.company.twilio.authToken == Self.current.twilio.authToken)
        // The bare twilioConfig object works the same.
        let bare = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        #expect(try Self.change(bare).company.twilio == change.company.twilio)
    }

    @Test("a new token is taken in clear for sealing; null removes it (with no number active)")
    func secrets() throws {
        let new = "fedcba9876543210fedcba9876543210"
        let replaced = try Self.change(
            #"{"accountSid": "\#(Self.sid)", "authToken": "\#(new)", "phoneNumbers": [{"phoneNumber": "+15550100001"}]}"#
        )
        #expect(replaced.newAuthToken == new)
        #expect(replaced.credentialsChanged)
        #expect(replaced.numbersToVerify.map(\.e164) == ["+15550100001"])
        let cleared = try Self.change(
            #"{"authToken": null, "phoneNumbers": [{"phoneNumber": "+15550100001", "status": "inactive"}]}"#)
        #expect(cleared.company.twilio.authToken == nil)
        #expect(
            Self.fields(
                #"{"accountSid": "\#(Self.sid)", "authToken": null, "phoneNumbers": [{"phoneNumber": "+15550100001"}]}"#
            ) == ["authToken"])
    }

    @Test(
        "each rule names its field",
        arguments: [
            (#"{"accountSid": "AC123", "phoneNumbers": []}"#, ["accountSid"]),
            (#"{"authToken": "not-a-token"}"#, ["authToken"]),
            (#"{"authToken": "••••0000"}"#, ["authToken"]),
            (#"{"apiKey": "SK123", "apiSecret": "abc"}"#, ["apiKey", "apiSecret"]),
            (#"{"apiKey": "SK0123456789abcdef0123456789abcdef"}"#, ["apiSecret"]),
            (#"{"apiSecret": "0123456789abcdefABCDEF0123456789"}"#, ["apiKey"]),
            (#"{"phoneNumbers": [{"phoneNumber": "555-0100"}]}"#, ["phoneNumbers[0].phoneNumber"]),
            (
                #"{"phoneNumbers": [{"phoneNumber": "+15550100009", "status": "inactive"}, {"phoneNumber": "+1-555-010-0009", "status": "inactive"}]}"#,
                ["phoneNumbers[1].phoneNumber"]
            ),
            (#"{"phoneNumbers": [{"phoneNumber": "+15550100009", "status": "paused"}]}"#, ["phoneNumbers[0].status"]),
            (
                #"{"phoneNumbers": [{"phoneNumber": "+15550100008", "status": "inactive", "isPrimary": true}, {"phoneNumber": "+15550100009", "status": "inactive", "isPrimary": true}]}"#,
                ["phoneNumbers"]
            ),
            (
                #"{"phoneNumbers": [{"phoneNumber": "+15550100009", "status": "inactive", "label": "x"}]}"#,
                ["phoneNumbers[0].label"]
            ),
            (
                #"{"phoneNumbers": [{"friendlyName": "no number", "status": "inactive"}]}"#,
                ["phoneNumbers[0].phoneNumber"]
            ),
            (#"{"phoneNumbers": ["+15550100009"]}"#, ["phoneNumbers[0]"]),
            (
                #"{"phoneNumbers": [{"phoneNumber": "+15550100009", "status": "inactive", "friendlyName": "\#(String(repeating: "x", count: 65))"}]}"#,
                ["phoneNumbers[0].friendlyName"]
            ),
            (#"{"callRoutingMode": "conference"}"#, ["callRoutingMode"]),
            (#"{"callRoutingMode": "forward"}"#, ["forwardNumber"]),
            (#"{"callRoutingMode": "forward", "forwardNumber": "5550199"}"#, ["forwardNumber"]),
            (
                #"{"accountSid": "AC\#(String(repeating: "a", count: 32))", "phoneNumbers": [{"phoneNumber": "+15550100001"}], "callRoutingMode": "forward", "forwardNumber": "+1 555 010 0001"}"#,
                ["forwardNumber"]
            ),
            (#"{"agentStreamUrl": "https://agent.example.com"}"#, ["agentStreamUrl"]),
            (#"{"forwardRingSeconds": 4}"#, ["forwardRingSeconds"]),
            (#"{"forwardRingSeconds": 601}"#, ["forwardRingSeconds"]),
            (#"{"forwardRingSeconds": 20.5}"#, ["forwardRingSeconds"]),
            (#"{"forwardRingSeconds": "20"}"#, ["forwardRingSeconds"]),
            (#"{"whisperMessage": "\#(String(repeating: "x", count: 1_001))"}"#, ["whisperMessage"]),
            (#"{"voicemailGreeting": "bell \u0007 rings"}"#, ["voicemailGreeting"]),
            (#"{"recordingEnabled": "yes"}"#, ["recordingEnabled"]),
            (#"{"callRoutingMode": 3}"#, ["callRoutingMode"]),
            (#"{"favouriteColour": "blue"}"#, ["favouriteColour"]),
            (#"{"smsMode": "broadcast"}"#, ["smsMode"]),
            (#"{"smsMode": "auto-reply"}"#, ["smsAutoReply"]),
            (#"{"smsMode": "auto-reply", "smsAutoReply": ""}"#, ["smsAutoReply"]),
            (#"{"smsAutoReply": "\#(String(repeating: "x", count: 1_601))"}"#, ["smsAutoReply"]),
            (#"{"smsMode": "forward"}"#, ["smsForwardNumber"]),
            (#"{"smsForwardNumber": "12345"}"#, ["smsForwardNumber"]),
            (
                #"{"accountSid": "AC\#(String(repeating: "a", count: 32))", "phoneNumbers": [{"phoneNumber": "+15550100001"}], "smsMode": "forward", "smsForwardNumber": "+1-555-010-0001"}"#,
                ["smsForwardNumber"]
            ),
        ] as [(String, [String])])
    func rules(body: String, fields: [String]) {
        #expect(Self.fields(body) == fields, "\(body.prefix(120))")
    }

    @Test("every problem at once, each naming its field")
    func allAtOnce() {
        let fields = Self.fields(
            #"""
            {"accountSid": "nope", "authToken": "nope", "phoneNumbers": [{"phoneNumber": "nope"}],
             "callRoutingMode": "nope", "agentStreamUrl": "nope", "whatever": 1}
            """#)
        #expect(
            Set(fields) == [
                "whatever", "accountSid", "authToken", "phoneNumbers[0].phoneNumber", "callRoutingMode",
                "agentStreamUrl",
            ])
    }

    @Test("the body itself: media type, size, JSON, an object, and the company it names")
    func body() {
        func status(_ contentType: String?, _ body: String) -> Int {
            do {
                let object = try ConfigChange.jsonObject(contentType: contentType, body: Array(body.utf8))
                _ = try ConfigChange(body: object, applyingTo: Self.current, sealer: Self.sealer)
                return 200
            } catch { return error.status }
        }
        #expect(status("text/plain", "{}") == 415)
        #expect(status(nil, "{}") == 415)
        #expect(status("application/json", "{" + String(repeating: " ", count: 70_000) + "}") == 413)
        #expect(status("application/json", "{\"a\": ") == 400)
        #expect(status("application/json", "[1, 2]") == 400)
        #expect(status("application/json", "\"text\"") == 400)
        #expect(status("APPLICATION/JSON; charset=utf-8", "{}") == 200)
        #expect(status("application/json", #"{"companyId": "65a1f0c2e4b0a1a2b3c4d5e2", "twilioConfig": {}}"#) == 400)
        #expect(
            status(
                "application/json", #"{"companyId": "65a1f0c2e4b0a1a2b3c4d5e1", "companyName": "", "twilioConfig": {}}"#
            ) == 422)
    }

    @Test(
        "SMS settings: stored as given, a forward number normalised, none stored as nothing, forward falls back on forwardNumber"
    )
    func smsSettings() throws {
        let reply = try Self.change(#"{"smsMode": "auto-reply", "smsAutoReply": "Thanks! We'll reply soon."}"#)
        #expect(
            reply.company.twilio.smsMode == "auto-reply"
                && reply.company.twilio.smsAutoReply == "Thanks! We'll reply soon.")
        let forward = try Self.change(#"{"smsMode": "forward", "smsForwardNumber": "+44 20 7946 0958"}"#)
        #expect(forward.company.twilio.smsForwardNumber == "+442079460958")
        #expect(try Self.change(#"{"smsMode": "none"}"#).company.twilio.smsMode == nil)
        #expect(
            try Self.change(#"{"smsMode": "forward", "callRoutingMode": "forward", "forwardNumber": "+15550199999"}"#)
                .company.twilio.smsMode == .forward)
    }

    @Test("masking: four characters of a long secret, none of a short one")
    func masking() {
        #expect(SecretMask.mask("0123456789abcdef0123456789abcdef") == "••••cdef")
        #expect(SecretMask.mask("short") == "••••")
    }
}
