import Foundation
import HTTPDriver
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Hand-picked hostile requests through the built executables — a warm `Voice --stream`
/// and `SMS --stream`, and `switchboard serve` — each answered with the right 4xx or safe
/// TwiML, while the warm process keeps answering.
@Suite("Hostile input and attacks on tenancy, through the built functions")
struct HostileInputTests {
    static let acme = (
        id: "65a1f0c2e4b0a1a2b3c4d5e1", account: "AC05bdef0d221517e1d93f0d0c6b40255d",
        token: "f67a7c7f153cbc78478bb9f47d148bc2", number: "+15550100001"
    )
    static let birch = (
        id: "65a1f0c2e4b0a1a2b3c4d5e2", account: "ACaa1b3387c16459de40bf8ab0f9015440",
        token: "ef77b5fab4ae318949c847253b34110e", number: "+15550200001"
    )

    /// One reply from a warm session: status and body, or the error's type.
    static func send(_ session: StreamSession, _ event: Data, id: String) throws -> (
        status: Int?, body: String, error: String?
    ) {
        let reply = try JSONDecoder().decode(
            InvocationReply.self, from: try session.send(try WebhookEvents.envelope(event, id: id)))
        return (reply.response?.statusCode, reply.response?.body ?? "", reply.error?.type)
    }

    /// An event with `body` (base64) and `headers`, for the requests a signer would not make.
    static func rawEvent(
        path: String = "/api/twilio/voice", query: String = "", body: [UInt8], headers: [String: String]
    ) throws -> Data {
        let event = HTTPEvent(
            method: "POST", rawPath: path, rawQueryString: query, headers: headers,
            body: Data(body).base64EncodedString(), isBase64Encoded: true, domainName: WebhookEvents.host,
            requestId: "hostile")
        return try JSONEncoder().encode(event)
    }

    @Test(
        "company A's valid signature on company B's number, and a whisper callback naming B signed by A: 403, warm and one-shot, Voice and SMS",
        arguments: ["/api/twilio/voice", "/api/twilio/sms"])
    func crossTenant(path: String) throws {
        let store = try SeededStore()
        let function = path.hasSuffix("voice") ? "Voice" : "SMS"
        let session = try StreamSession(ExampleData.executable(function), environment: store.environment)
        let parameters = [
            ("AccountSid", Self.acme.account), ("From", "+15557654321"), ("To", Self.birch.number), ("Body", "hi"),
            ("CallSid", "CA" + String(repeating: "1", count: 32)),
            ("MessageSid", "SM" + String(repeating: "1", count: 32)),
        ]
        // A's own token, A's own AccountSid, B's number.
        let crossed = try WebhookEvents.event(path: path, parameters: parameters, token: Self.acme.token)
        #expect(try Self.send(session, crossed, id: "crossed").status == 403)
        let oneShot = try ProcessRunner.run(
            ExampleData.executable(function), input: crossed, environment: store.environment)
        #expect(try JSONDecoder().decode(HTTPResponse.self, from: oneShot.stdout).statusCode == 403)
        // B's AccountSid posted, signed with A's token.
        var claimed = parameters
        claimed[0] = ("AccountSid", Self.birch.account)
        #expect(
            try Self.send(
                session, try WebhookEvents.event(path: path, parameters: claimed, token: Self.acme.token), id: "claimed"
            ).status == 403)
        if function == "Voice" {
            let whisper = try WebhookEvents.event(
                path: path, query: "whisper=1&companyId=\(Self.birch.id)", parameters: parameters,
                token: Self.acme.token)
            #expect(try Self.send(session, whisper, id: "whisper").status == 403)
        }
        // The same process still answers B's own signed request.
        var own = parameters
        own[0] = ("AccountSid", Self.birch.account)
        #expect(
            try Self.send(
                session, try WebhookEvents.event(path: path, parameters: own, token: Self.birch.token), id: "own"
            ).status == 200)
        let (status, log) = session.finish()
        #expect(status == 0)
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8) + oneShot.stderr).isEmpty)
    }

    @Test(
        "NUL bytes, invalid UTF-8, duplicated and oddly cased headers, no To, no AccountSid, a replay: each answered, the process lives on"
    )
    func nastyWebhooks() throws {
        let store = try SeededStore()
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let signed = try WebhookEvents.call(to: Self.acme.number, account: Self.acme.account, token: Self.acme.token)
        let object = try #require(try JSONSerialization.jsonObject(with: signed) as? [String: Any])
        let headers = try #require(object["headers"] as? [String: String])
        let signature = try #require(headers["x-twilio-signature"])
        let cases: [(String, Data, Int)] = [
            // "+15550100001\0" is no number: safe TwiML, as for any number no company serves.
            (
                "NUL in the body",
                try Self.rawEvent(
                    body: Array("To=%2B15550100001%00&AccountSid=\(Self.acme.account)\u{0}".utf8), headers: headers),
                200
            ),
            (
                "invalid UTF-8", try Self.rawEvent(body: [0x54, 0x6F, 0x3D, 0xFF, 0xFE, 0xC3, 0x28], headers: headers),
                400
            ),
            (
                "signature header twice, oddly cased",
                try Self.rawEvent(
                    body: Array("To=%2B15550100001&AccountSid=\(Self.acme.account)".utf8),
                    headers: [
                        "content-type": "application/x-www-form-urlencoded", "host": WebhookEvents.host,
                        "X-TWILIO-SIGNATURE": signature + "," + signature,
                    ]), 403
            ),
            (
                "no To",
                try WebhookEvents.event(
                    parameters: [("AccountSid", Self.acme.account), ("From", "+15557654321")], token: Self.acme.token),
                400
            ),
            (
                "no AccountSid",
                try WebhookEvents.event(
                    parameters: [("To", Self.acme.number), ("From", "+15557654321")], token: Self.acme.token), 403
            ),
        ]
        for (name, event, expected) in cases {
            let answer = try Self.send(session, event, id: name)
            #expect(answer.status == expected, "\(name): \(answer)")
            if expected == 200 {
                #expect(answer.body.contains("not configured to take calls"), "\(name): \(answer.body)")
            }
            #expect(!answer.body.contains(Self.acme.token), "\(name)")
        }
        // A replayed webhook (Twilio retries): the same answer each time.
        let first = try Self.send(session, signed, id: "replay-1")
        let second = try Self.send(session, signed, id: "replay-2")
        #expect(first.status == 200 && first.body == second.body)
        // Deeply nested JSON and a line that is not JSON: error replies, and the process lives on.
        let nested = Data(
            ("{\"id\":\"deep\",\"deadlineMs\":1,\"event\":" + String(repeating: "[", count: 100_000)
                + String(repeating: "]", count: 100_000) + "}").utf8)
        let deep = try JSONDecoder().decode(InvocationReply.self, from: try session.send(nested))
        #expect(deep.error != nil)
        let garbage = try JSONDecoder().decode(InvocationReply.self, from: try session.send(Data([0xFF, 0x00, 0x7B])))
        #expect(garbage.error != nil)
        #expect(try Self.send(session, signed, id: "after").status == 200)
        let (status, log) = session.finish()
        #expect(status == 0)
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
    }

    @Test(
        "through serve: 100 KB refused by Voice (413), 6 MB over Lambda's payload limit once base64-encoded (413), 6 MB + 1 refused unread (413); the warm process lives on"
    )
    func largeBodies() throws {
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": ServeTests.publicBase])
        let server = try LocalServer(["serve", "--processes", "1"], environment: store.environment)
        defer { server.stop() }
        let client = try CurlHTTPClient()
        #expect(try ServeTests.post("voice-ai-agent", to: server, client: client).status == 200)
        let before = ProcessTable.descendants(of: server.processIdentifier)
        let url = "http://127.0.0.1:\(server.port)/api/twilio/voice"
        let headers = ["Content-Type": "application/x-www-form-urlencoded"]
        let large = try client.send(
            "POST", url, headers: headers, body: Array(repeating: UInt8(ascii: "a"), count: 100_000),
            timeoutMilliseconds: 30_000)
        #expect(large.status == 413)
        #expect(
            String(decoding: large.body, as: UTF8.self).contains("65536"),
            "\(String(decoding: large.body, as: UTF8.self))")
        let limit = 6 * 1024 * 1024
        let atLimit = try client.send(
            "POST", url, headers: headers, body: Array(repeating: UInt8(ascii: "a"), count: limit),
            timeoutMilliseconds: 30_000)
        #expect(atLimit.status == 413)
        #expect(String(decoding: atLimit.body, as: UTF8.self).contains("invocation payload limit"))
        let over = try client.send(
            "POST", url, headers: headers, body: Array(repeating: UInt8(ascii: "a"), count: limit + 1),
            timeoutMilliseconds: 30_000)
        #expect(over.status == 413)
        #expect(try ServeTests.post("voice-ai-agent", to: server, client: client).status == 200)
        #expect(ProcessTable.descendants(of: server.processIdentifier) == before, "a warm process was replaced")
    }
}
