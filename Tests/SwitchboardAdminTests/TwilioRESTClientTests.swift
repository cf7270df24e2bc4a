import Foundation
import SwitchboardBase
import SwitchboardCore
import TestSupport
import Testing
import TwilioREST

@Suite("Twilio REST client, against the stand-in on a real socket")
struct TwilioRESTClientTests {
    static let sid = "AC" + String(repeating: "1", count: 32)
    static let token = "0123456789abcdef0123456789abcdef"

    static func setup(timeout: Int = 2_000, retries: Int = 2) throws -> (TwilioStandIn, TwilioRESTClient) {
        let standIn = try TwilioStandIn()
        try standIn.addAccount(
            sid, token: token, keys: ["SK" + String(repeating: "2", count: 32): "keysecret0123456789abcdefghijklm"])
        try standIn.addNumber("+15550100001", account: sid)
        let client = try TwilioRESTClient(
            settings: TwilioRESTSettings(
                baseURL: standIn.baseURL, connectTimeoutMilliseconds: 500, timeoutMilliseconds: timeout,
                maximumRetries: retries))
        return (standIn, client)
    }

    static let credentials = TwilioCredentials(accountSid: sid, authToken: token)

    @Test("the account, the numbers, a number's update and a message, in Twilio's shapes")
    func resources() throws {
        let (standIn, client) = try Self.setup()
        let account = try client.fetchAccount(Self.credentials)
        #expect(account.sid == Self.sid && account.isActive)
        let number = try PhoneNumber(parsing: "+15550100001")
        let found = try client.incomingPhoneNumbers(Self.credentials, number: number)
        #expect(found.map(\.phoneNumber) == ["+15550100001"])
        #expect(
            try client.incomingPhoneNumbers(Self.credentials, number: try PhoneNumber(parsing: "+15550100002")).isEmpty)
        let updated = try client.updateIncomingPhoneNumber(
            Self.credentials, sid: found[0].sid,
            routing: IncomingNumberRouting(voiceURL: "https://x.example/api/twilio/voice", voiceMethod: "POST"))
        #expect(updated.voiceUrl == "https://x.example/api/twilio/voice")
        let message = try client.sendMessage(
            Self.credentials, from: number, to: try PhoneNumber(parsing: "+15557654321"), body: "Hello & goodbye ✓")
        #expect(message.sid.hasPrefix("SM"))
        #expect(try standIn.messages().first?["body"] as? String == "Hello & goodbye ✓")
        // An API key of the account authenticates too.
        let key = TwilioCredentials(
            accountSid: Self.sid, apiKey: "SK" + String(repeating: "2", count: 32),
            apiSecret: "keysecret0123456789abcdefghijklm")
        #expect(try client.incomingPhoneNumbers(key).count == 1)
    }

    @Test("a partial-match answer is narrowed to the exact number")
    func exactNumber() throws {
        let (standIn, client) = try Self.setup()
        try standIn.addNumber("+155501000012", account: Self.sid)
        let found = try client.incomingPhoneNumbers(Self.credentials, number: try PhoneNumber(parsing: "+15550100001"))
        #expect(found.map(\.phoneNumber) == ["+15550100001"])
    }

    @Test("wrong credentials: a typed 401 that never carries the token")
    func unauthorized() throws {
        let (standIn, client) = try Self.setup()
        defer { withExtendedLifetime(standIn) {} }
        let wrong = "ffffffffffffffffffffffffffffffff"
        do {
            _ = try client.fetchAccount(TwilioCredentials(accountSid: Self.sid, authToken: wrong))
            Issue.record("accepted a wrong token")
        } catch {
            #expect(error.isAuthenticationFailure)
            guard case .rejected(let refusal) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(refusal.status == 401 && refusal.code == 20003)
            #expect(!error.description.contains(wrong) && !"\(error)".contains(wrong))
        }
        #expect(!"\(TwilioCredentials(accountSid: Self.sid, authToken: wrong))".contains(wrong))
    }

    @Test("429 twice, then success: retried, honouring Retry-After")
    func rateLimitedThenServed() throws {
        let (standIn, client) = try Self.setup()
        try standIn.inject([["match": "/Accounts/", "status": 429, "retry_after": "0.1", "times": 2]])
        #expect(try client.fetchAccount(Self.credentials).isActive)
        #expect(try standIn.requests().filter { ($0["path"] as? String)?.contains("/Accounts/") == true }.count == 3)
    }

    @Test("429 past the retries: rate limited, not retried forever")
    func rateLimitedForever() throws {
        let (standIn, client) = try Self.setup(retries: 2)
        try standIn.inject([["status": 429, "retry_after": "0", "times": 10]])
        #expect(throws: TwilioRESTError.self) { _ = try client.fetchAccount(Self.credentials) }
        do { _ = try client.fetchAccount(Self.credentials) } catch {
            if case .rateLimited = error {} else { Issue.record("\(error)") }
            #expect(error.isUnavailable)
        }
    }

    @Test("500: a server error, unavailable")
    func serverError() throws {
        let (standIn, client) = try Self.setup()
        try standIn.inject([["status": 500]])
        do {
            _ = try client.fetchAccount(Self.credentials)
            Issue.record("a 500 was taken as an answer")
        } catch {
            guard case .serverError(let refusal) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(refusal.status == 500)
            #expect(error.isUnavailable)
        }
    }

    @Test("a hanging Twilio: timed out at the bound, not waited for")
    func hang() throws {
        let (standIn, client) = try Self.setup(timeout: 700)
        try standIn.inject([["hang": true, "delay_ms": 20_000]])
        let started = Date()
        do {
            _ = try client.fetchAccount(Self.credentials)
            Issue.record("a hang produced an answer")
        } catch {
            #expect(error == .timedOut(milliseconds: 700))
        }
        #expect(Date().timeIntervalSince(started) < 10, "the client waited for a hanging server")
    }

    @Test("nothing listening: unreachable")
    func unreachable() throws {
        let port = try RedisServer.freePort()
        let client = try TwilioRESTClient(
            settings: TwilioRESTSettings(baseURL: "http://127.0.0.1:\(port)", timeoutMilliseconds: 1_000))
        do {
            _ = try client.fetchAccount(Self.credentials)
            Issue.record("answered with nothing listening")
        } catch {
            guard case .unreachable = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.isUnavailable)
        }
    }

    @Test("TWILIO_API_BASE and the timeouts come from the environment, checked")
    func settings() throws {
        let settings = try TwilioRESTSettings.fromEnvironment(
            Environment(["TWILIO_API_BASE": "http://127.0.0.1:9/", "SWITCHBOARD_TWILIO_TIMEOUT_MS": "1500"]))
        #expect(
            settings.baseURL == "http://127.0.0.1:9" && settings.timeoutMilliseconds == 1_500
                && settings.connectTimeoutMilliseconds == 2_000)
        #expect(try TwilioRESTSettings.fromEnvironment(Environment([:])).baseURL == "https://api.twilio.com")
        #expect(throws: ConfigurationError.self) {
            try TwilioRESTSettings.fromEnvironment(Environment(["TWILIO_API_BASE": "api.twilio.com"]))
        }
        #expect(throws: ConfigurationError.self) {
            try TwilioRESTSettings.fromEnvironment(Environment(["SWITCHBOARD_TWILIO_TIMEOUT_MS": "soon"]))
        }
    }
}
