import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `SMS` as Lambda runs it, the archive it writes, and messages sent from a company's
/// own account, on both directory backends.
@Suite("SMS and the archive, end to end")
struct SMSEndToEndTests {
    typealias F = AdminAPIFixture
    static let backends = ["sqlite", "mongodb"]

    static func sms(_ event: Data, _ environment: [String: String]) throws -> (HTTPResponse, String) {
        let result = try ProcessRunner.run(ExampleData.executable("SMS"), input: event, environment: environment)
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty, "a secret reached SMS's output")
        let response = try #require(
            try? JSONDecoder().decode(HTTPResponse.self, from: result.stdout),
            "\(result.stdoutText) \(result.stderrText)")
        return (response, result.stderrText)
    }

    /// A company's archive, as `switchboard archive` prints it.
    static func archive(_ company: String, _ environment: [String: String], kind: String? = nil) throws -> [[String:
        Any]]
    {
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"),
            ["archive", "--company", company] + (kind.map { ["--kind", $0] } ?? []), environment: environment)
        #expect(result.status == 0, "\(result.stderrText)")
        return try result.stdout.split(separator: UInt8(ascii: "\n")).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }

    /// A message to `to` signed as `company`'s account.
    static func message(
        to: String, from company: String, body: String, sid: String, media: [String] = [], token: String? = nil
    ) throws -> Data {
        let credentials = try F.credentials(of: company)
        var parameters = [
            ("AccountSid", credentials.sid), ("Body", body), ("From", "+15557654321"), ("MessageSid", sid),
            ("NumMedia", "\(media.count)"), ("To", to),
        ]
        for (index, url) in media.enumerated() { parameters.append(("MediaUrl\(index)", url)) }
        return try WebhookEvents.event(
            path: "/api/twilio/sms", parameters: parameters, token: token ?? credentials.token)
    }

    @Test("every example message gets the answer its company's mode calls for, and is archived", arguments: backends)
    func examples(backend: String) throws {
        let api = try F(backend: backend)
        let names = try ExampleData.eventNames(prefix: "sms-")
        #expect(names.count >= 6)
        for name in names {
            let (response, log) = try Self.sms(try ExampleData.event(name), api.environment)
            switch name {
            case "sms-auto-reply":
                let elements = try TwiMLReader.read(response.body)
                #expect(elements.map(\.name) == ["Response", "Message"])
                #expect(elements[1].text.hasPrefix("Thanks for texting Acme Dental Group!"))
                #expect(elements[1].attributes["to"] == nil)
            case "sms-forward-mms":
                let elements = try TwiMLReader.read(response.body)
                #expect(elements.map(\.name) == ["Response", "Message"])
                #expect(elements[1].attributes["to"] == "+15550399999")
                #expect(elements[1].text.hasPrefix("From +15557654321: Water everywhere under the kitchen sink 😱"))
                #expect(elements[1].text.contains("\nMedia: https://api.twilio.com/"))
            case "sms-stop-keyword", "sms-none", "sms-unknown-number":
                #expect(response.statusCode == 200)
                #expect(try TwiMLReader.read(response.body).map(\.name) == ["Response"])
                if name == "sms-unknown-number" {
                    #expect(log.contains("sms.number_not_configured") && log.contains("+15559990000"))
                }
            case "sms-forged-signature":
                #expect(response.statusCode == 403)
                #expect(!response.body.contains("<Response"))
            default:
                Issue.record("example event \(name) has no expectation here; add one")
            }
        }
        let acme = try Self.archive(F.acme, api.environment, kind: "message")
        #expect(acme.count == 2, "\(acme)")  // the auto-reply and the keyword; the forged one is not Acme's
        let stop = try #require(acme.first { $0["keyword"] != nil })
        #expect(stop["keyword"] as? String == "STOP" && stop["decision"] as? String == "keyword")
        let cedar = try Self.archive(F.cedar, api.environment, kind: "message")
        #expect(
            cedar.first?["mediaUrls"] as? [String] == [
                "https://api.twilio.com/2010-04-01/Accounts/AC9da7f905c2406b6b645453e49b7646b5/Messages/MM2d9e1f4a6b8c0d2e4f6a8b0c2d4e6f80/Media/ME3e0f2a5b7c9d1e3f5a7b9c1d3e5f7a9b"
            ])
        #expect(try Self.archive(F.birch, api.environment, kind: "message").first?["decision"] as? String == "none")
    }

    @Test(
        "company A's valid token on company B's number is refused, as is a forged one; a retried message is recorded once"
    )
    func tenancyAndRetries() throws {
        let api = try F()
        let sid = "SM" + String(repeating: "c", count: 32)
        // Birch's genuine account and token, but Acme's number.
        let cross = try Self.message(to: "+15550100001", from: F.birch, body: "hello", sid: sid)
        #expect(try Self.sms(cross, api.environment).0.statusCode == 403)
        let genuine = try Self.message(to: "+15550100001", from: F.acme, body: "hello", sid: sid)
        for _ in 0..<3 { #expect(try Self.sms(genuine, api.environment).0.statusCode == 200) }
        let records = try Self.archive(F.acme, api.environment)
        #expect(records.filter { $0["sid"] as? String == sid }.count == 1)
        #expect(try Self.archive(F.birch, api.environment).isEmpty)
    }

    @Test("long, emoji, combining-mark and GSM-7 bodies are forwarded within 10 segments, never cut inside a character")
    func longBodies() throws {
        let api = try F()
        let cases: [(String, Int)] = [
            (String(repeating: "a", count: 1_600), 1_530),
            (String(repeating: "😀", count: 400), 670),
            (String(repeating: "e\u{0301}", count: 800), 670),
            (String(repeating: "{", count: 900), 1_530),
        ]
        for (index, (body, limit)) in cases.enumerated() {
            let event = try Self.message(
                to: "+15550300001", from: F.cedar, body: body, sid: "SM" + String(repeating: "\(index)", count: 32))
            let (response, _) = try Self.sms(event, api.environment)
            let text = try #require(try TwiMLReader.read(response.body).last?.text)
            let ucs2 = text.unicodeScalars.contains {
                $0.value > 0x7F && !"£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€".unicodeScalars.contains($0)
            }
            let cost =
                ucs2
                ? text.utf16.count
                : text.unicodeScalars.reduce(0) { $0 + ("^{}\\[~]|€".unicodeScalars.contains($1) ? 2 : 1) }
            #expect(cost <= limit, "case \(index): \(cost) > \(limit)")
            #expect(cost > limit - 20, "case \(index) was cut far short: \(cost)")
            #expect(!text.unicodeScalars.contains("\u{FFFD}"))
            if index == 2 { #expect(text.drop { $0 != ":" }.dropFirst(2).dropLast().allSatisfy { $0 == "e\u{0301}" }) }
        }
    }

    @Test("the archive down (MongoDB test server stopped): TwiML unchanged, the record logged whole, then imported")
    func archiveDown() throws {
        let server = try MongoTestServer()
        let api = try F(extraEnvironment: [
            "SWITCHBOARD_STORE": server.uri + "/switchboard?serverSelectionTimeoutMS=400"
        ])
        let redis = try RedisServer()
        var environment = api.environment
        environment["REDIS_URL"] = redis.url
        let session = try StreamSession(ExampleData.executable("SMS"), environment: environment)
        let event = try ExampleData.event("sms-auto-reply")
        let warm = try JSONDecoder().decode(
            InvocationReply.self, from: try session.send(try WebhookEvents.envelope(event, id: "1")))
        let expected = try #require(warm.response?.body)
        // The store goes away; the tenant is still in Redis.
        server.stop()
        let second = try Self.message(
            to: "+15550100001", from: F.acme, body: "Are you open on Saturday?",
            sid: "SM" + String(repeating: "d", count: 32))
        let reply = try JSONDecoder().decode(
            InvocationReply.self, from: try session.send(try WebhookEvents.envelope(second, id: "2")))
        #expect(
            try TwiMLReader.read(try #require(reply.response?.body)).last?.text
                == (try TwiMLReader.read(expected).last?.text))
        let (_, log) = session.finish()
        #expect(log.contains("archive.write_failed"))
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)

        try server.start()
        _ = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", ExampleData.companiesFile.path],
            environment: api.environment)
        let imported = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["archive", "import"], input: Data(log.utf8),
            environment: api.environment)
        #expect(imported.status == 0, "\(imported.stderrText)")
        #expect(imported.stdoutText.contains("1 of 1 records imported"))
        let records = try Self.archive(F.acme, api.environment)
        #expect(
            records.contains {
                $0["sid"] as? String == "SM" + String(repeating: "d", count: 32)
                    && $0["body"] as? String == "Are you open on Saturday?"
            })
        // Importing again changes nothing.
        _ = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["archive", "import"], input: Data(log.utf8),
            environment: api.environment)
        #expect(try Self.archive(F.acme, api.environment).count == records.count)
    }

    @Test("a voicemail's recording joins its call's record", arguments: backends)
    func voicemailRecording(backend: String) throws {
        let api = try F(backend: backend)
        let credentials = try F.credentials(of: F.birch)
        let callSid = "CA" + String(repeating: "e", count: 32)
        let call = try WebhookEvents.call(
            to: "+15550200001", account: credentials.sid, token: credentials.token, callSid: callSid)
        _ = try ProcessRunner.run(ExampleData.executable("Voice"), input: call, environment: api.environment)
        let recorded = try WebhookEvents.event(
            query: "recorded=1&companyId=\(F.birch)",
            parameters: [
                ("AccountSid", credentials.sid), ("CallSid", callSid),
                ("RecordingSid", "RE" + String(repeating: "f", count: 32)),
                (
                    "RecordingUrl",
                    "https://api.twilio.com/2010-04-01/Accounts/\(credentials.sid)/Recordings/RE"
                        + String(repeating: "f", count: 32)
                ),
                ("RecordingDuration", "21"),
            ], token: credentials.token)
        for _ in 0..<2 {
            _ = try ProcessRunner.run(ExampleData.executable("Voice"), input: recorded, environment: api.environment)
        }
        let records = try Self.archive(F.birch, api.environment, kind: "call")
        #expect(records.count == 1)
        #expect(records.first?["decision"] as? String == "voicemail")
        #expect(records.first?["recordingSid"] as? String == "RE" + String(repeating: "f", count: 32))
        #expect(records.first?["recordingDuration"] as? String == "21")
    }

    @Test(
        "switchboard sms send: through the company's own account, from its own active numbers only", arguments: backends
    )
    func outbound(backend: String) throws {
        let api = try F(backend: backend)
        let tool = ExampleData.executable("switchboard")
        func send(_ extra: [String]) throws -> ProcessResult {
            try ProcessRunner.run(
                tool,
                [
                    "sms", "send", "--company", F.acme, "--to", "+1 (555) 765-4321", "--body",
                    "Your appointment is confirmed ✓",
                ] + extra, environment: api.environment)
        }
        let sent = try send([])
        #expect(sent.status == 0, "\(sent.stderrText)")
        let sid = sent.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sid.hasPrefix("SM"))
        let message = try #require(try api.twilio.messages().first)
        #expect(message["from"] as? String == "+15550100001" && message["to"] as? String == "+15557654321")
        #expect(try api.twilio.requests().allSatisfy { $0["user"] as? String == "AC05bdef0d221517e1d93f0d0c6b40255d" })
        let outbound = try Self.archive(F.acme, api.environment, kind: "message")
        #expect(outbound.first?["sid"] as? String == sid && outbound.first?["direction"] as? String == "outbound-api")

        #expect(try send(["--from", "+15550100002"]).status == 0)
        let foreign = try send(["--from", "+15550200001"])  // Birch's number
        #expect(foreign.status != 0 && foreign.stderrText.contains("+15550200001 is not one of the company's numbers"))
        #expect(try send(["--to", "555-0100"]).status != 0)

        try api.twilio.inject([["match": "/Messages", "status": 429, "retry_after": "0.1", "times": 1]])
        #expect(try send([]).status == 0)
        try api.twilio.addAccount("AC05bdef0d221517e1d93f0d0c6b40255d", token: "ffffffffffffffffffffffffffffffff")
        let refused = try send([])
        #expect(refused.status != 0 && refused.stderrText.contains("Twilio refused the company's credentials"))
        #expect(ExampleData.leakedSecrets(in: refused.stdout + refused.stderr + sent.stdout + sent.stderr).isEmpty)
    }
}
