import Foundation
import HTTPDriver
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// The Outbound function (`POST /api/companies/{companyId}/messages` and `…/calls`) run
/// one-shot as Lambda runs it, against the Twilio stand-in over a real socket, on both
/// backends; the archive read back over HTTP (ConfigGet) and checked against openapi.yaml.
@Suite("Outbound messages and calls")
struct OutboundTests {
    typealias F = AdminAPIFixture
    static let publicBase = ServeTests.publicBase

    static func fixture(_ backend: String, _ extra: [String: String] = [:]) throws -> F {
        try F(
            backend: backend, extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": publicBase].merging(extra) { _, new in new })
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// Posts `body` to the company's `route` (`messages` or `calls`).
    @discardableResult
    static func post(
        _ api: F, _ company: String, _ route: String, _ body: [String: Any], token: String?, key: String? = nil
    ) throws -> (response: HTTPResponse, log: String) {
        try api.call(
            "Outbound", "POST", "/api/companies/\(company)/\(route)", token: token, body: json(body),
            headers: key.map { ["idempotency-key": $0] } ?? [:])
    }

    static func problem(_ response: HTTPResponse) throws -> (detail: String, fields: [String: String]) {
        let body = try F.json(response)
        #expect(response.headers["content-type"] == "application/problem+json", "\(response.headers)")
        let errors = (body["errors"] as? [[String: Any]] ?? []).map {
            ($0["field"] as? String ?? "", $0["message"] as? String ?? "")
        }
        return (body["detail"] as? String ?? "", Dictionary(errors, uniquingKeysWith: { first, _ in first }))
    }

    @Test(
        "a message: from the company's primary number, with its status callback, archived as outbound-api before the answer",
        arguments: ["sqlite", "mongodb"])
    func message(backend: String) throws {
        let api = try Self.fixture(backend)
        let admin = try api.adminToken()
        let (response, log) = try Self.post(
            api, F.acme, "messages",
            [
                "to": "+1 (555) 765-4321", "body": "Your table is ready ✓",
                "mediaUrls": ["https://cdn.example.com/menu.jpg"],
            ], token: admin)
        #expect(response.statusCode == 201, "\(response.body) \(log.suffix(400))")
        let answer = try F.json(response)
        let sid = try #require(answer["sid"] as? String)
        #expect(
            sid.hasPrefix("SM") && answer["kind"] as? String == "message" && answer["status"] as? String == "queued")
        let record = try #require(answer["record"] as? [String: Any])
        #expect(record["direction"] as? String == "outbound-api" && record["decision"] as? String == "sent")
        #expect(
            record["from"] as? String == "+15550100001" && record["to"] as? String == "+15557654321"
                && record["body"] as? String == "Your table is ready ✓")
        #expect(record["statusOrder"] == nil, "the ordering bookkeeping is not shown")

        let sent = try #require(try api.twilio.messages().first)
        #expect(
            sent["from"] as? String == "+15550100001"
                && sent["media_urls"] as? [String] == ["https://cdn.example.com/menu.jpg"])
        #expect(sent["status_callback"] as? String == "\(Self.publicBase)/api/twilio/sms/status?companyId=\(F.acme)")
        #expect(try api.twilio.requests().allSatisfy { $0["user"] as? String == "AC05bdef0d221517e1d93f0d0c6b40255d" })
        #expect(log.contains("outbound.sent") && log.contains("ops@example.com"), "the sender's sub is logged")

        // The archive over HTTP has it, as the answer showed it.
        let listed = try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/messages", token: admin).response
        #expect(listed.statusCode == 200)
        let records = try F.json(listed)["records"] as? [[String: Any]] ?? []
        #expect(
            records.count == 1 && records.first?["sid"] as? String == sid
                && records.first?["status"] as? String == "queued")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "a call: ai-agent, forward (click-to-call) and say, each built from the company's own settings",
        arguments: ["sqlite", "mongodb"])
    func calls(backend: String) throws {
        let api = try Self.fixture(backend, ["SWITCHBOARD_AGENT_STREAM_URL": "wss://agent.platform.example/stream"])
        let admin = try api.adminToken()
        let agent = try Self.post(api, F.acme, "calls", ["to": "+15557654321", "connect": "ai-agent"], token: admin)
            .response
        #expect(agent.statusCode == 201, "\(agent.body)")
        let forward = try Self.post(
            api, F.cedar, "calls", ["to": "+15557654321", "connect": "forward", "from": "+15550300002"], token: admin
        ).response
        #expect(forward.statusCode == 201, "\(forward.body)")
        let say = try Self.post(
            api, F.birch, "calls",
            ["to": "+15557654321", "connect": "say", "message": "Your hearing moved to 3 pm & room 4."], token: admin
        ).response
        #expect(say.statusCode == 201, "\(say.body)")

        let placed = try api.twilio.calls()
        #expect(placed.count == 3)
        let agentCall = try TwiMLReader.read(placed[0]["twiml"] as? String ?? "")
        #expect(
            agentCall.map(\.name) == [
                "Response", "Connect", "Stream", "Parameter", "Parameter", "Parameter", "Parameter",
            ])
        #expect(agentCall[2].attributes["url"] == "wss://agents.acme-dental.example/twilio/stream")
        #expect(agentCall.contains { $0.attributes == ["name": "direction", "value": "outbound"] })
        #expect(agentCall.contains { $0.attributes == ["name": "companyId", "value": F.acme] })
        #expect(
            placed[0]["status_callback"] as? String == "\(Self.publicBase)/api/twilio/voice/status?companyId=\(F.acme)")
        #expect(placed[0]["status_callback_event"] as? [String] == ["initiated", "ringing", "answered", "completed"])

        let bridge = try TwiMLReader.read(placed[1]["twiml"] as? String ?? "")
        #expect(bridge.map(\.name) == ["Response", "Dial", "Number"])
        #expect(bridge[1].attributes["callerId"] == "+15550300002" && bridge[2].text == "+15550399999")
        #expect(placed[1]["from"] as? String == "+15550300002")

        let spoken = try TwiMLReader.read(placed[2]["twiml"] as? String ?? "")
        #expect(
            spoken.map(\.name) == ["Response", "Say", "Hangup"]
                && spoken[1].text == "Your hearing moved to 3 pm & room 4.")

        let listed = try F.json(
            try api.call("ConfigGet", "GET", "/api/companies/\(F.cedar)/calls", token: admin).response)
        let record = try #require((listed["records"] as? [[String: Any]])?.first)
        #expect(
            record["decision"] as? String == "forward" && record["direction"] as? String == "outbound-api"
                && record["kind"] as? String == "call")

        // What the company's settings cannot do is refused before Twilio is asked.
        let before = try api.twilio.requests().count
        let noForward = try Self.post(api, F.acme, "calls", ["to": "+15557654321", "connect": "forward"], token: admin)
            .response
        let noForwardField = try Self.problem(noForward).fields["connect"]
        #expect(noForward.statusCode == 422 && noForwardField?.contains("forwardNumber") == true)
        let loop = try Self.post(api, F.cedar, "calls", ["to": "+15550399999", "connect": "forward"], token: admin)
            .response
        let loopField = try Self.problem(loop).fields["connect"]
        #expect(loop.statusCode == 422 && loopField?.contains("the number being called") == true)
        #expect(try api.twilio.requests().count == before)
        try api.checkAgainstOpenAPI()
    }

    @Test("Twilio's refusals, each named; 429 retried; unreachable 503; no answer 504; nothing archived for a refusal")
    func twilioErrors() throws {
        let api = try Self.fixture("sqlite")
        let admin = try api.adminToken()
        let message = ["to": "+15557654321", "body": "Hello"]
        let cases: [(Int, Int, String, String?)] = [
            (400, 21211, "not a valid number to reach", "to"),
            (400, 21408, "geographic permissions", nil),
            (400, 21215, "geographic permissions", nil),
            (400, 21210, "does not accept the company's number", "from"),
            (401, 20003, "refused the company's credentials", nil),
            // Last: Twilio's "unsubscribed recipient" opts the number out of the company from then on.
            (400, 21610, "opted out", "to"),
        ]
        for (status, code, words, field) in cases {
            try api.twilio.inject([
                ["match": "/Messages", "status": status, "code": code, "message": "Twilio says no", "times": 1]
            ])
            let to = code == 21610 ? ["to": "+15557650099", "body": "Hello"] : message
            let response = try Self.post(api, F.acme, "messages", to, token: admin).response
            let problem = try Self.problem(response)
            #expect(
                response.statusCode == 422 && problem.detail.contains(words) && problem.detail.contains("\(code)"),
                "\(code): \(response.body)")
            #expect(problem.detail.contains("nothing was sent"))
            if let field { #expect(problem.fields[field] != nil, "\(code) names \(field): \(response.body)") }
        }
        // 429 (Twilio's "too many requests"), then success: tried again, sent once.
        try api.twilio.inject([["match": "/Messages", "status": 429, "retry_after": "0.1", "times": 1]])
        #expect(try Self.post(api, F.acme, "messages", message, token: admin).response.statusCode == 201)
        #expect(try api.twilio.messages().count == 1)
        // No answer in time (SWITCHBOARD_TWILIO_TIMEOUT_MS is 1500 in the fixture): 504, whether it was sent unknown.
        try api.twilio.inject([["match": "/Messages", "hang": true, "delay_ms": 3_000, "times": 1]])
        let late = try Self.post(api, F.acme, "messages", message, token: admin).response
        let lateDetail = try Self.problem(late).detail
        #expect(late.statusCode == 504 && lateDetail.contains("unknown"))
        // Twilio out of reach.
        let closed = try RedisServer.freePort()
        let away = try api.call(
            "Outbound", "POST", "/api/companies/\(F.acme)/messages", token: admin, body: Self.json(message),
            environment: ["TWILIO_API_BASE": "http://127.0.0.1:\(closed)"]
        ).response
        let awayDetail = try Self.problem(away).detail
        #expect(away.statusCode == 503 && away.headers["retry-after"] != nil && awayDetail.contains("nothing was sent"))
        let archived =
            try F.json(try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/messages", token: admin).response)[
                "records"] as? [[String: Any]]
        #expect(archived?.count == 1, "only the message Twilio took is archived")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "from must be one of the company's active numbers and to a number; bad bodies refused by name; nothing asked of Twilio"
    )
    func refusedBeforeTwilio() throws {
        let api = try Self.fixture("sqlite")
        let admin = try api.adminToken()
        let cases: [(String, [String: Any], String, String)] = [
            (
                "messages", ["to": "+15557654321", "body": "x", "from": "+15550200001"], "from",
                "not one of the company's numbers"
            ),
            ("messages", ["to": "555-0100", "body": "x"], "to", "not a phone number"),
            ("messages", ["body": "x"], "to", "is required"),
            ("messages", ["to": "+15557654321"], "body", "is required"),
            ("messages", ["to": "+15557654321", "body": String(repeating: "a", count: 1_531)], "body", "11 segments"),
            ("messages", ["to": "+15557654321", "body": String(repeating: "é😀", count: 300)], "body", "segments"),
            (
                "messages", ["to": "+15557654321", "body": "x", "mediaUrls": ["http://plain.example/a.jpg"]],
                "mediaUrls[0]", "https://"
            ),
            ("messages", ["to": "+15557654321", "body": "x", "twiml": "<Response/>"], "twiml", "is not a field"),
            (
                "messages", ["to": "+15550100001", "body": "x", "from": "+15550100001"], "to",
                "the number it would be sent from"
            ),
            ("calls", ["to": "+15557654321"], "connect", "is required"),
            (
                "calls", ["to": "+15557654321", "connect": "conference"], "connect",
                "must be one of ai-agent, forward, say"
            ),
            ("calls", ["to": "+15557654321", "connect": "say"], "message", "is required when connect is say"),
            (
                "calls", ["to": "+15557654321", "connect": "ai-agent", "message": "hi"], "message",
                "only when connect is say"
            ),
            (
                "calls", ["to": "+15557654321", "connect": "say", "message": "bell\u{07}"], "message",
                "control characters"
            ),
        ]
        for (route, body, field, words) in cases {
            let response = try Self.post(api, F.acme, route, body, token: admin).response
            let problem = try Self.problem(response)
            #expect(
                response.statusCode == 422 && problem.fields[field]?.contains(words) == true,
                "\(route) \(field): \(response.body)")
        }
        // Birch's +15550200002 is listed but inactive.
        let inactive = try Self.post(
            api, F.birch, "messages", ["to": "+15557654321", "body": "x", "from": "+15550200002"], token: admin
        ).response
        let inactiveField = try Self.problem(inactive).fields["from"]
        #expect(inactive.statusCode == 422 && inactiveField?.contains("inactive") == true)

        let path = "/api/companies/\(F.acme)/messages"
        let raw: [(String?, String, Int)] = [
            ("text/plain", "to=+15557654321", 415), ("application/json", "{not json", 400),
            ("application/json", "[1, 2]", 400),
            ("application/json", "{\"to\": \"" + String(repeating: "9", count: 70_000) + "\"}", 413),
        ]
        for (type, body, status) in raw {
            let response = try api.call(
                "Outbound", "POST", path, token: admin, body: body, headers: type.map { ["content-type": $0] } ?? [:]
            ).response
            #expect(
                response.statusCode == status,
                "\(type ?? "none") \(body.prefix(20)): \(response.statusCode) \(response.body.prefix(200))")
        }
        #expect(try api.call("Outbound", "GET", path, token: admin, documented: false).response.statusCode == 405)
        #expect(try api.call("Outbound", "POST", path, token: nil, body: "{}").response.statusCode == 401)
        #expect(
            try api.call(
                "Outbound", "POST", "/api/companies/\(F.acme)/faxes", token: admin, body: "{}", documented: false
            ).response.statusCode == 404)
        for key in ["", "has space", String(repeating: "k", count: 256), "ключ"] {
            let response = try Self.post(
                api, F.acme, "messages", ["to": "+15557654321", "body": "x"], token: admin, key: key
            ).response
            #expect(
                response.statusCode == 400 && response.body.contains("Idempotency-Key"),
                "key \(key.prefix(20)): \(response.body)")
        }
        #expect(try api.twilio.requests().isEmpty, "nothing was asked of Twilio")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "Idempotency-Key: a replay answers what the first answered and sends nothing; another body is a 422; keys are per company",
        arguments: ["sqlite", "mongodb"])
    func idempotency(backend: String) throws {
        let api = try Self.fixture(backend)
        let admin = try api.adminToken()
        let key = UUID().uuidString
        let body: [String: Any] = ["to": "+15557654321", "body": "Reminder: 3 pm"]
        let first = try Self.post(api, F.acme, "messages", body, token: admin, key: key).response
        let again = try Self.post(api, F.acme, "messages", body, token: admin, key: key).response
        #expect(first.statusCode == 201 && again.statusCode == 201, "\(first.body) \(again.body)")
        #expect(
            again.body == first.body && again.headers["idempotent-replayed"] == "true"
                && first.headers["idempotent-replayed"] == nil)
        #expect(try api.twilio.messages().count == 1)

        let other = try Self.post(
            api, F.acme, "messages", ["to": "+15557654321", "body": "Reminder: 4 pm"], token: admin, key: key
        ).response
        #expect(other.statusCode == 422 && other.body.contains("idempotency-key-reused"))
        // The same key for another company is another key.
        #expect(try Self.post(api, F.birch, "messages", body, token: admin, key: key).response.statusCode == 201)
        // A refusal by Twilio is the key's answer too; a refusal before Twilio is not kept.
        let refusedKey = UUID().uuidString
        try api.twilio.inject([["match": "/Messages", "status": 400, "code": 21408, "times": 1]])
        let refused = try Self.post(api, F.acme, "messages", body, token: admin, key: refusedKey).response
        let replayed = try Self.post(api, F.acme, "messages", body, token: admin, key: refusedKey).response
        #expect(
            refused.statusCode == 422 && replayed.statusCode == 422 && replayed.body == refused.body
                && replayed.headers["idempotent-replayed"] == "true")
        let away = UUID().uuidString
        let closed = try RedisServer.freePort()
        let unreachable = try api.call(
            "Outbound", "POST", "/api/companies/\(F.acme)/messages", token: admin, body: Self.json(body),
            headers: ["idempotency-key": away], environment: ["TWILIO_API_BASE": "http://127.0.0.1:\(closed)"]
        ).response
        #expect(unreachable.statusCode == 503)
        #expect(
            try Self.post(api, F.acme, "messages", body, token: admin, key: away).response.statusCode == 201,
            "nothing was sent, so the key may try again")
        #expect(try api.twilio.messages().count == 3)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "company tokens: their own company only (another is the 404 a missing company gets); admins any",
        arguments: ["sqlite", "mongodb"])
    func tokens(backend: String) throws {
        let api = try Self.fixture(backend)
        let birch = try api.companyToken(F.birch)
        let body: [String: Any] = ["to": "+15557654321", "body": "hi"]
        let foreign = try Self.post(api, F.acme, "messages", body, token: birch).response
        let missing = try Self.post(api, "65a1f0c2e4b0a1a2b3c4d5ff", "messages", body, token: try api.adminToken())
            .response
        #expect(foreign.statusCode == 404 && missing.statusCode == 404)
        #expect(
            foreign.body.replacingOccurrences(of: F.acme, with: "X")
                == missing.body.replacingOccurrences(of: "65a1f0c2e4b0a1a2b3c4d5ff", with: "X"))
        let own = try Self.post(api, F.birch, "messages", body, token: birch)
        #expect(own.response.statusCode == 201 && own.log.contains("owner@\(F.birch)"))
        #expect(
            try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/calls", token: birch).response.statusCode == 404)
        #expect(try api.twilio.messages().count == 1)
        try api.checkAgainstOpenAPI()
    }

    /// Waits, if needed, so that what follows starts early in a minute: the limit counts
    /// per clock minute.
    static func startOfAMinute() {
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 40 { Thread.sleep(forTimeInterval: Double(61 - second)) }
    }

    @Test(
        "the rate limit: beyond SWITCHBOARD_OUTBOUND_PER_MINUTE, 429 with Retry-After and nothing sent; counted in the store, or Redis",
        arguments: [
            ("sqlite", false), ("mongodb", false), ("sqlite", true),
        ])
    func rateLimit(backend: String, redis useRedis: Bool) throws {
        let redis = useRedis ? try RedisServer() : nil
        var extra = ["SWITCHBOARD_OUTBOUND_PER_MINUTE": "3"]
        if let redis { extra["REDIS_URL"] = redis.url }
        let api = try Self.fixture(backend, extra)
        let admin = try api.adminToken()
        Self.startOfAMinute()
        var statuses: [Int] = []
        for index in 0..<4 {
            statuses.append(
                try Self.post(
                    api, F.acme, index % 2 == 0 ? "messages" : "calls",
                    index % 2 == 0
                        ? ["to": "+15557654321", "body": "n\(index)"]
                        : ["to": "+15557654321", "connect": "say", "message": "hi"],
                    token: admin
                ).response.statusCode)
        }
        let limited = try Self.post(api, F.acme, "messages", ["to": "+15557654321", "body": "over"], token: admin)
            .response
        #expect(statuses == [201, 201, 201, 429], "\(statuses)")
        #expect(
            limited.statusCode == 429 && Int(limited.headers["retry-after"] ?? "") != nil
                && limited.body.contains("at most 3"))
        #expect(try api.twilio.messages().count + api.twilio.calls().count == 3)
        // Another company has its own count.
        #expect(
            try Self.post(api, F.birch, "messages", ["to": "+15557654321", "body": "mine"], token: admin).response
                .statusCode == 201)
        if let redis {
            let keys = try ProcessRunner.run(
                "/usr/bin/redis-cli", ["-p", "\(redis.port)", "--scan", "--pattern", "switchboard:outbound:*"],
                environment: [:])
            #expect(keys.stdoutText.contains("switchboard:outbound:\(F.acme):"), "counted in Redis: \(keys.stdoutText)")
        }
        try api.checkAgainstOpenAPI()
    }
}

extension OutboundTests {
    /// A message sent and a call placed through `switchboard serve`, then Twilio (the
    /// stand-in) posting their status callbacks, signed by twilio-python, to the status
    /// routes the send named: the archive, read over HTTP, ends with how each went.
    @Test(
        "a call's and a message's whole life through serve: sent, status callbacks signed by Twilio's library, read back from the archive",
        arguments: ["sqlite", "mongodb"])
    func wholeLife(backend: String) throws {
        let port = try RedisServer.freePort()
        let base = "http://127.0.0.1:\(port)"
        let api = try F(backend: backend, extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": base])
        let server = try LocalServer(["serve", "--processes", "1"], environment: api.environment, port: port)
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let admin = try api.adminToken()
        func send(_ route: String, _ body: [String: Any]) throws -> [String: Any] {
            let response = try client.send(
                "POST", "\(base)/api/companies/\(F.acme)/\(route)",
                headers: ["Authorization": "Bearer \(admin)", "Content-Type": "application/json"],
                body: Array(Self.json(body).utf8), timeoutMilliseconds: 20_000)
            #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
            return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        }
        func archive(_ route: String, _ query: String = "") throws -> [[String: Any]] {
            let response = try client.send(
                "GET", "\(base)/api/companies/\(F.acme)/\(route)\(query)",
                headers: ["Authorization": "Bearer \(admin)"],
                timeoutMilliseconds: 20_000)
            #expect(response.status == 200)
            return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["records"]
                as? [[String: Any]] ?? []
        }

        let call = try #require(
            try send("calls", ["to": "+15557654321", "connect": "say", "message": "Your order is ready."])["sid"]
                as? String)
        let message = try #require(
            try send("messages", ["to": "+15557654321", "body": "Your order is ready."])["sid"] as? String)
        let failed = try #require(
            try send("messages", ["to": "+15557650000", "body": "Nobody home"])["sid"] as? String)
        // Out of order and repeated, as Twilio may post them: the record still ends completed.
        #expect(
            try api.twilio.progress(
                call, ["initiated", "ringing", "in-progress", "completed", "ringing"], duration: 37) == [
                    204, 204, 204, 204, 204,
                ])
        #expect(try api.twilio.progress(message, ["sent", "delivered", "sent"]) == [204, 204, 204])
        #expect(try api.twilio.progress(failed, ["sent", "undelivered"], errorCode: "30003") == [204, 204])

        let calls = try archive("calls")
        let placed = try #require(calls.first { $0["sid"] as? String == call }, "\(call) not in \(calls)")
        #expect(
            placed["status"] as? String == "completed" && placed["answered"] as? Bool == true
                && placed["durationSeconds"] as? Int == 37, "\(placed)")
        #expect(
            placed["decision"] as? String == "say" && placed["direction"] as? String == "outbound-api"
                && placed["endedAt"] != nil)
        let messages = try archive("messages")
        #expect(messages.first { $0["sid"] as? String == message }?["status"] as? String == "delivered")
        let undelivered = try #require(messages.first { $0["sid"] as? String == failed })
        #expect(undelivered["status"] as? String == "undelivered" && undelivered["errorCode"] as? String == "30003")
        #expect(try archive("messages", "?status=undelivered").map { $0["sid"] as? String } == [failed])

        // A callback Twilio did not sign is refused, and changes nothing.
        let forged = try client.send(
            "POST", "\(base)/api/twilio/sms/status?companyId=\(F.acme)",
            headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "bm9wZQ=="],
            body: Array("AccountSid=AC05bdef0d221517e1d93f0d0c6b40255d&MessageSid=\(failed)&MessageStatus=read".utf8))
        #expect(forged.status == 403)
        #expect(try archive("messages", "?status=read").isEmpty)
        #expect(ExampleData.leakedSecrets(in: Data(server.stop().utf8)).isEmpty)
    }

    @Test(
        "the archive over HTTP: newest first, pages that neither skip nor repeat, a status filter; bad queries named",
        arguments: ["sqlite", "mongodb"])
    func archivePages(backend: String) throws {
        let api = try Self.fixture(backend)
        let admin = try api.adminToken()
        let acme = try F.credentials(of: F.acme)
        // Seven calls, two of them ending no-answer, by Twilio's status callbacks.
        var callbacks: [StatusCallbackTests.Callback] = []
        let sids = (0..<7).map { "CA" + String(repeating: "\($0)", count: 32) }
        for (index, sid) in sids.enumerated() {
            callbacks.append(
                .init(
                    path: "/api/twilio/voice/status", query: "companyId=\(F.acme)",
                    params: StatusCallbackTests.call(
                        sid, index < 2 ? "no-answer" : "completed", account: acme.sid, sequence: 2),
                    token: acme.token))
        }
        #expect(try StatusCallbackTests.post(callbacks, api).allSatisfy { $0.0.statusCode == 204 })

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let query = "limit=3" + (cursor.map { "&before=" + $0 } ?? "")
            let page = try F.json(
                try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/calls", query: query, token: admin).response)
            let records = page["records"] as? [[String: Any]] ?? []
            seen += records.compactMap { $0["sid"] as? String }
            #expect(records.count <= 3)
            cursor = page["next"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3 && seen.count == 7 && Set(seen) == Set(sids), "\(pages) pages: \(seen)")
        let times =
            try F.json(try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/calls", token: admin).response)[
                "records"] as? [[String: Any]] ?? []
        let ats = times.compactMap { $0["at"] as? String }
        #expect(ats == ats.sorted(by: >), "newest first")
        let unanswered = try F.json(
            try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/calls", query: "status=no-answer", token: admin)
                .response)
        #expect(
            Set((unanswered["records"] as? [[String: Any]] ?? []).compactMap { $0["sid"] as? String })
                == Set(sids.prefix(2)))
        #expect(
            (try F.json(try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/messages", token: admin).response)[
                "records"] as? [Any])?.isEmpty == true)

        for (query, words) in [
            ("limit=0", "limit"), ("limit=x", "limit"), ("before=bm90LWEtY3Vyc29y", "before"),
            ("before=" + String(repeating: "A", count: 300), "before"),
            ("status=NO%20ANSWER", "status"), ("status=%ZZ", "query string"), ("sort=at", "not a parameter"),
        ] {
            let response = try api.call(
                "ConfigGet", "GET", "/api/companies/\(F.acme)/calls", query: query, token: admin
            ).response
            #expect(response.statusCode == 400 && response.body.contains(words), "\(query): \(response.body)")
        }
        #expect(
            try api.call("ConfigGet", "GET", "/api/companies/65a1f0c2e4b0a1a2b3c4d5ff/calls", token: admin).response
                .statusCode == 404)
        try api.checkAgainstOpenAPI()
    }
}
