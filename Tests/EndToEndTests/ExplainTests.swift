import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `switchboard explain` through the built executable, on both directory backends.
@Suite("switchboard explain")
struct ExplainTests {
    typealias F = AdminAPIFixture
    static let tool = ExampleData.executable("switchboard")

    static func explain(_ arguments: [String], _ environment: [String: String]) throws -> (Int32, [String: Any], String)
    {
        let text = try ProcessRunner.run(tool, ["explain"] + arguments, environment: environment)
        let json = try ProcessRunner.run(tool, ["explain", "--json"] + arguments, environment: environment)
        #expect(text.status == json.status)
        #expect(
            ExampleData.leakedSecrets(in: text.stdout + text.stderr + json.stdout + json.stderr).isEmpty,
            "explain printed a secret")
        #expect(!text.stdoutText.contains("sealed:v1:") && !json.stdoutText.contains("sealed:v1:"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any],
            "\(json.stdoutText)\(json.stderrText)")
        return (text.status, object, text.stdoutText)
    }

    @Test(
        "a routed number, in any spelling: the company, its credentials, the TwiML Voice answers — exactly",
        arguments: ["sqlite", "mongodb"])
    func routed(backend: String) throws {
        let api = try F(backend: backend)
        let host = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api/twilio/voice"
        for (event, number, callSid) in [
            ("voice-forward", "+1 (555) 030-0001", "CAbdb093a5c8df6099c6cc70b7f7126d55"),
            ("voice-voicemail", "+1.555.020.0001", "CAf723f7a97e3f840a655ac68f048d9b7c"),
            ("voice-ai-agent", "001 555 010 0001", "CA4ecb4b0aecb729a14c957952b1ea9956"),
        ] {
            let (status, object, text) = try Self.explain(
                number.split(separator: " ").map(String.init) + ["--call-sid", callSid, "--voice-url", host],
                api.environment)
            #expect(status == 0, "\(text)")
            let voice = try ProcessRunner.run(
                ExampleData.executable("Voice"), input: try ExampleData.event(event), environment: api.environment)
            let answered = try JSONDecoder().decode(HTTPResponse.self, from: voice.stdout)
            #expect(object["twiml"] as? String == answered.body, "\(event): explain and Voice disagree")
            #expect((object["credentials"] as? [String: Any])?["authTokenOpens"] as? Bool == true)
            #expect(object["answered"] as? Bool == true)
        }
    }

    @Test(
        "no company: an inactive entry, a number one digit away, and a number that is not one",
        arguments: ["sqlite", "mongodb"])
    func nearMisses(backend: String) throws {
        let api = try F(backend: backend)
        let (inactive, object, text) = try Self.explain(["+15550200002"], api.environment)
        #expect(inactive == 1)
        let misses = try #require(object["nearMisses"] as? [[String: Any]])
        #expect(
            misses.first?["kind"] as? String == "inactive-entry" && misses.first?["companyId"] as? String == F.birch)
        #expect(text.contains("status \"inactive\""))
        let (unknown, similar, similarText) = try Self.explain(["+1-555-010-0010"], api.environment)
        #expect(unknown == 1)
        #expect(
            (similar["nearMisses"] as? [[String: Any]])?.contains {
                $0["kind"] as? String == "similar-number" && $0["stored"] as? String == "+15550100001"
            } == true)
        #expect(similarText.contains("did you mean it?"))
        let (notNumber, parsed, _) = try Self.explain(["555-0100"], api.environment)
        #expect(notNumber == 1 && (parsed["numberProblem"] as? String)?.contains("country") == true)
    }

    @Test("a formatted spelling an old system stored in MongoDB: named as the lookup's miss, found after migrate")
    func unmatchedSpelling() throws {
        let server = try MongoTestServer()
        let uri = server.uri + "/legacy"
        try MongoSeed.insert(
            uri: uri,
            json:
                #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5c1"}, "companyName": "London Lettings", "twilioConfig": {"accountSid": "AC00000000000000000000000000000011", "authToken": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa11", "phoneNumbers": [{"phoneNumber": "+44-20-7946-0958", "status": "active"}], "callRoutingMode": "voicemail"}}"#
        )
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let environment = ["PATH": "/usr/bin:/bin", "SWITCHBOARD_STORE": uri, "SWITCHBOARD_DATA_KEY": key]
        let (status, object, _) = try Self.explain(["+442079460958"], environment)
        #expect(status == 1)
        #expect((object["nearMisses"] as? [[String: Any]])?.first?["kind"] as? String == "unmatched-spelling")
        #expect(try ProcessRunner.run(Self.tool, ["migrate", "--apply"], environment: environment).status == 0)
        let (after, found, _) = try Self.explain(["+442079460958"], environment)
        #expect(after == 0)
        #expect((found["company"] as? [String: Any])?["companyName"] as? String == "London Lettings")
    }

    @Test("the cache: a negative entry for a number that now exists is named STALE, with its time left")
    func staleNegativeEntry() throws {
        let redis = try RedisServer()
        let api = try F(extraEnvironment: ["REDIS_URL": redis.url])
        try redis.cli(["SET", "switchboard:v1:number:+15550100001", "N", "PX", "30000"])
        let (status, object, text) = try Self.explain(["+15550100001"], api.environment)
        let cache = try #require(object["cache"] as? [String: Any])
        #expect(cache["state"] as? String == "no-tenant" && cache["agrees"] as? Bool == false)
        #expect((cache["remainingSeconds"] as? Int).map { $0 > 20 && $0 <= 30 } == true)
        #expect(text.contains("STALE"))
        #expect(status == 1, "Voice answers from the cache: not configured")
        try redis.cli(["DEL", "switchboard:v1:number:+15550100001"])
        #expect(try Self.explain(["+15550100001"], api.environment).0 == 0)
    }

    @Test("tokens: sealed under a previous key (answered), under no known key (not answered)")
    func keys() throws {
        let api = try F()
        let other = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var rotated = api.environment
        rotated["SWITCHBOARD_DATA_KEY"] = other
        rotated["SWITCHBOARD_DATA_KEY_PREVIOUS"] = api.environment["SWITCHBOARD_DATA_KEY"]
        let (status, object, text) = try Self.explain(["+15550100001"], rotated)
        #expect(status == 0)
        #expect(text.contains("opens only under a previous data key"))
        #expect((object["credentials"] as? [String: Any])?["authTokenOpens"] as? Bool == true)
        var lost = api.environment
        lost["SWITCHBOARD_DATA_KEY"] = other
        let (unopened, unopenedObject, unopenedText) = try Self.explain(["+15550100001"], lost)
        #expect(unopened == 1)
        #expect(unopenedText.contains("which is not configured"))
        #expect((unopenedObject["twiml"] as? String)?.contains("try again later") == true)
    }

    @Test("ai-agent without a stream URL: the voicemail fallback, with its reason")
    func fallback() throws {
        let api = try F()
        var environment = api.environment
        environment["SWITCHBOARD_AGENT_STREAM_URL"] = nil
        let file = api.store.folder.appendingPathComponent("agent.json")
        try Data(
            #"[{"_id": "65a1f0c2e4b0a1a2b3c4d5f7", "companyName": "Fir", "twilioConfig": {"accountSid": "AC00000000000000000000000000000077", "authToken": "77777777777777777777777777777777", "phoneNumbers": [{"phoneNumber": "+15550700001", "status": "active"}], "callRoutingMode": "ai-agent"}}]"#
                .utf8
        ).write(to: file)
        #expect(try ProcessRunner.run(Self.tool, ["seed", file.path], environment: environment).status == 0)
        let (status, object, text) = try Self.explain(["+15550700001"], environment)
        #expect(status == 0)
        let routing = try #require(object["routing"] as? [String: Any])
        #expect(routing["storedMode"] as? String == "ai-agent" && routing["usedMode"] as? String == "voicemail")
        #expect((routing["fallback"] as? String)?.contains("no agent stream URL") == true)
        #expect(text.contains("fallback"))
        #expect(!text.contains("77777777777777777777777777777777"))
    }

    @Test("--twilio: how Twilio routes the number, against this deployment's URLs")
    func twilio() throws {
        let api = try F(
            extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"],
            numberSettings: [
                "+15550100001": [
                    "voice_url": "https://old.example.com/voice", "sms_url": "https://calls.example.com/api/twilio/sms",
                ]
            ])
        let (_, object, text) = try Self.explain(["+15550100001", "--twilio"], api.environment)
        let twilio = try #require(object["twilio"] as? [String: Any])
        #expect(twilio["voice"] as? String == "url_mismatch" && twilio["sms"] as? String == "ok")
        #expect(text.contains("6. Twilio: voice url_mismatch"))
    }
}
