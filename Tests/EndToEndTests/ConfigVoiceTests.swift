import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// What a configuration change does to the next call: read-your-writes through a warm
/// Redis cache, and auth-token rotation without dropped calls.
@Suite("Config changes seen by Voice")
struct ConfigVoiceTests {
    typealias F = AdminAPIFixture
    static let acmeSid = "AC05bdef0d221517e1d93f0d0c6b40255d"

    /// The TwiML element names of a Voice answer, or the status when it is not TwiML.
    static func answer(_ response: HTTPResponse) throws -> String {
        guard response.statusCode == 200 else { return "HTTP \(response.statusCode)" }
        return try TwiMLReader.read(response.body).map(\.name).joined(separator: " ")
    }

    static func call(_ api: F, to number: String, from company: String, token: String? = nil) throws -> String {
        let credentials = try F.credentials(of: company)
        let event = try WebhookEvents.call(to: number, account: credentials.sid, token: token ?? credentials.token)
        let result = try ProcessRunner.run(ExampleData.executable("Voice"), input: event, environment: api.environment)
        return try answer(try JSONDecoder().decode(HTTPResponse.self, from: result.stdout))
    }

    @Test(
        "a PUT moves a number from Acme to Birch: the next call to it, through a warm Voice and Redis, is Birch's",
        arguments: ["sqlite", "mongodb"])
    func readYourWrites(backend: String) throws {
        let redis = try RedisServer()
        let api = try F(backend: backend, extraEnvironment: ["REDIS_URL": redis.url])
        let admin = try api.adminToken()
        let session = try StreamSession(ExampleData.executable("Voice"), environment: api.environment)
        func warmCall(signedBy company: String, id: String) throws -> String {
            let credentials = try F.credentials(of: company)
            let event = try WebhookEvents.call(to: "+15550100002", account: credentials.sid, token: credentials.token)
            let reply = try JSONDecoder().decode(
                InvocationReply.self, from: try session.send(try WebhookEvents.envelope(event, id: id)))
            return try Self.answer(try #require(reply.response))
        }
        #expect(try warmCall(signedBy: F.acme, id: "1") == "Response Connect Stream Parameter Parameter")
        // From the cache.
        #expect(try warmCall(signedBy: F.acme, id: "2") == "Response Connect Stream Parameter Parameter")
        #expect(try warmCall(signedBy: F.birch, id: "3") == "HTTP 403")

        let release = try ConfigAPITests.acmeBody {
            $0["phoneNumbers"] = [["phoneNumber": "+15550100001", "status": "active", "isPrimary": true]]
        }
        #expect(try api.put(F.acme, release, query: "verify=false", token: admin).statusCode == 200)
        let claim = #"""
            {"accountSid": "ACaa1b3387c16459de40bf8ab0f9015440", "callRoutingMode": "voicemail",
             "phoneNumbers": [{"phoneNumber": "+15550200001", "status": "active", "isPrimary": true},
                              {"phoneNumber": "+15550200002", "status": "inactive"},
                              {"phoneNumber": "+15550100002", "status": "active"}]}
            """#
        try api.twilio.addNumber("+15550100002", account: "ACaa1b3387c16459de40bf8ab0f9015440")
        #expect(try api.put(F.birch, claim, token: admin).statusCode == 200)

        #expect(try warmCall(signedBy: F.birch, id: "4") == "Response Say Record Say Hangup")
        #expect(try warmCall(signedBy: F.acme, id: "5") == "HTTP 403")
        let (_, log) = session.finish()
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
        // Call 3 found Acme in the process's memory; the PUTs' deletions were announced to it.
        let counters = try VoiceCacheTests.stats(log)
        #expect(counters["local_hits"] ?? 0 >= 1)
        #expect(counters["local_invalidations"] ?? 0 >= 1)
    }

    @Test("rotation: the old token is accepted until its grace period ends, the new one at once, one-shot and warm")
    func rotation() throws {
        let redis = try RedisServer()
        let api = try F(extraEnvironment: ["REDIS_URL": redis.url])
        let old = try F.credentials(of: F.acme).token
        let new = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
        try api.twilio.addAccount(Self.acmeSid, token: new)
        let response = try api.put(
            F.acme, try ConfigAPITests.acmeBody { $0["authToken"] = new }, token: try api.adminToken())
        #expect(response.statusCode == 200)
        let until = try #require(
            (try F.json(response)["twilioConfig"] as? [String: Any])?["authTokenPreviousExpiresAt"] as? String)
        let expiry = try #require(ISO8601DateFormatter.withFractions.date(from: until))
        #expect(abs(expiry.timeIntervalSinceNow - 72 * 3_600) < 300)

        let agent = "Response Connect Stream Parameter Parameter"
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: old) == agent)
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: new) == agent)
        #expect(
            try Self.call(api, to: "+15550100001", from: F.acme, token: try F.credentials(of: F.birch).token)
                == "HTTP 403")

        // The grace period ends (the stored expiry moves into the past, as time would).
        try Self.expirePreviousToken(api, F.acme)
        try redis.cli(["FLUSHALL"])
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: old) == "HTTP 403")
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: new) == agent)
        let stored = try api.storedDocument(F.acme)
        #expect(!stored.contains(old) && !stored.contains(new))
    }

    @Test(
        "switchboard rotate-token: reads the token from standard input, checks it with Twilio, keeps the old one for the grace period"
    )
    func rotateTokenCommand() throws {
        let api = try F()
        let tool = ExampleData.executable("switchboard")
        let old = try F.credentials(of: F.acme).token
        let new = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

        // Twilio does not know the new token yet: refused, nothing stored.
        let before = try api.storedDocument(F.acme)
        let refused = try ProcessRunner.run(
            tool, ["rotate-token", "--company", F.acme], input: Data(new.utf8), environment: api.environment)
        #expect(refused.status != 0)
        #expect(refused.stderrText.contains("Twilio rejected"))
        #expect(try api.storedDocument(F.acme) == before)

        try api.twilio.addAccount(Self.acmeSid, token: new)
        let rotated = try ProcessRunner.run(
            tool, ["rotate-token", "--company", F.acme], input: Data((new + "\n").utf8), environment: api.environment)
        #expect(rotated.status == 0, "\(rotated.stderrText)")
        #expect(rotated.stdoutText.contains("accepted until"))
        #expect(
            !(rotated.stdoutText + rotated.stderrText).contains(new)
                && !(rotated.stdoutText + rotated.stderrText).contains(old))
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: old).hasPrefix("Response"))
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: new).hasPrefix("Response"))

        let ended = try ProcessRunner.run(
            tool, ["rotate-token", "--company", F.acme, "--end-grace"], environment: api.environment)
        #expect(ended.status == 0, "\(ended.stderrText)")
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: old) == "HTTP 403")
        #expect(try Self.call(api, to: "+15550100001", from: F.acme, token: new).hasPrefix("Response"))

        let garbage = try ProcessRunner.run(
            tool, ["rotate-token", "--company", F.acme], input: Data("not-a-token".utf8), environment: api.environment)
        #expect(garbage.status != 0 && garbage.stderrText.contains("32 hexadecimal"))
        #expect(!garbage.stderrText.contains("not-a-token"))
    }

    /// Moves the stored `authTokenPreviousExpiresAt` of `id` into the past.
    static func expirePreviousToken(_ api: F, _ id: String) throws {
        let code =
            "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.execute(\"UPDATE companies SET document = json_set(document, '$.twilioConfig.authTokenPreviousExpiresAt', '2020-01-01T00:00:00.000Z') WHERE id = ?\", (sys.argv[2],))\ndb.commit()"
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, api.store.storePath, id], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderrText)")
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
