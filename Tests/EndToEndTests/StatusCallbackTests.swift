import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Twilio's status callbacks through the built Voice and SMS, signed by Twilio's own
/// Python helper library, on both backends; the archive read back with
/// `switchboard archive list`.
@Suite("Status callbacks end to end")
struct StatusCallbackTests {
    typealias F = AdminAPIFixture
    static let host = WebhookEvents.host

    /// Signatures twilio-python computes for each `(token, url, params)`.
    static func signatures(_ cases: [(token: String, url: String, params: [(String, String)])]) throws -> [String] {
        let code = """
            import json, sys
            from twilio.request_validator import RequestValidator
            cases = json.load(sys.stdin)
            print(json.dumps([RequestValidator(c["token"]).compute_signature(c["url"], dict(c["params"])) for c in cases]))
            """
        let input = try JSONSerialization.data(
            withJSONObject: cases.map { ["token": $0.token, "url": $0.url, "params": $0.params.map { [$0.0, $0.1] }] })
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code], input: input, environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw TestSetupError("twilio-python failed: \(result.stderrText)") }
        return try JSONSerialization.jsonObject(with: result.stdout) as? [String] ?? []
    }

    /// One callback as Twilio posts it: to `path` with `query`, `params` in the body,
    /// signed (by twilio-python) with `token`, or unsigned when `token` is nil.
    struct Callback {
        var path: String
        var query: String
        var params: [(String, String)]
        var token: String?
    }

    /// Runs each callback through its function one-shot; the responses and what was logged.
    static func post(_ callbacks: [Callback], _ api: F) throws -> [(HTTPResponse, String)] {
        let urls = callbacks.map { "https://\(host)\($0.path)" + ($0.query.isEmpty ? "" : "?" + $0.query) }
        let signed = try signatures(
            zip(callbacks, urls).compactMap { callback, url in callback.token.map { ($0, url, callback.params) } })
        var next = signed.makeIterator()
        return try callbacks.map { callback in
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._*")
            let body = callback.params.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }
            .joined(separator: "&")
            var headers = ["content-type": "application/x-www-form-urlencoded", "host": host]
            if callback.token != nil { headers["x-twilio-signature"] = next.next() }
            let event = HTTPEvent(
                method: "POST", rawPath: callback.path, rawQueryString: callback.query, headers: headers,
                body: Data(body.utf8).base64EncodedString(), isBase64Encoded: true, domainName: host,
                requestId: "status-test")
            let function = callback.path.hasPrefix("/api/twilio/sms") ? "SMS" : "Voice"
            let result = try ProcessRunner.run(
                ExampleData.executable(function), input: try JSONEncoder().encode(event), environment: api.environment)
            let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
            #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
            return (response, result.stderrText)
        }
    }

    /// The company's archive, as `switchboard archive list` prints it.
    static func archive(_ api: F, company: String, kind: String) throws -> [[String: Any]] {
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"),
            ["archive", "list", "--company", company, "--kind", kind, "--limit", "100"],
            environment: api.environment)
        #expect(result.status == 0, "\(result.stderrText)")
        return result.stdoutText.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func call(
        _ sid: String, _ status: String, account: String, sequence: Int? = nil, extra: [(String, String)] = []
    ) -> [(String, String)] {
        var params: [(String, String)] = [
            ("AccountSid", account), ("CallSid", sid), ("CallStatus", status), ("From", "+15557654321"),
            ("To", "+15550100001"), ("Direction", "inbound"), ("ApiVersion", "2010-04-01"),
        ]
        if let sequence { params.append(("SequenceNumber", String(sequence))) }
        return params + extra
    }

    @Test(
        "a call's status callbacks join its record: in order, late, repeated and out of order it ends completed with its duration; every final CallStatus; a sid with no record gets one",
        arguments: ["sqlite", "mongodb"])
    func callOutcomes(backend: String) throws {
        let api = try F(backend: backend)
        let acme = try F.credentials(of: F.acme)
        let sid = "CA" + String(repeating: "7", count: 32)
        let answered = try ProcessRunner.run(
            ExampleData.executable("Voice"),
            input: try WebhookEvents.call(to: "+15550100001", account: acme.sid, token: acme.token, callSid: sid),
            environment: api.environment)
        #expect(answered.stdoutText.contains(#""statusCode":200"#))
        let query = "companyId=\(F.acme)"
        let path = "/api/twilio/voice/status"
        var callbacks = [
            Callback(
                path: path, query: query, params: Self.call(sid, "ringing", account: acme.sid, sequence: 0),
                token: acme.token),
            Callback(
                path: path, query: query, params: Self.call(sid, "in-progress", account: acme.sid, sequence: 1),
                token: acme.token),
            Callback(
                path: path, query: query,
                params: Self.call(sid, "completed", account: acme.sid, sequence: 3, extra: [("CallDuration", "42")]),
                token: acme.token),
            Callback(
                path: path, query: query, params: Self.call(sid, "ringing", account: acme.sid, sequence: 0),
                token: acme.token),
            Callback(
                path: path, query: query,
                params: Self.call(sid, "completed", account: acme.sid, sequence: 3, extra: [("CallDuration", "42")]),
                token: acme.token),
        ]
        for (status, index) in zip(["busy", "no-answer", "failed", "canceled"], 0...) {
            callbacks.append(
                Callback(
                    path: path, query: query,
                    params: Self.call(
                        "CA" + String(repeating: "\(index)", count: 32), status, account: acme.sid, sequence: 2),
                    token: acme.token))
        }
        // A call placed from Twilio's console: no record until its callback.
        let console = "CA" + String(repeating: "e", count: 32)
        callbacks.append(
            Callback(
                path: path, query: query,
                params: Self.call(console, "completed", account: acme.sid, sequence: 4, extra: [("CallDuration", "5")])
                    .map { $0.0 == "Direction" ? ("Direction", "outbound-api") : $0 }, token: acme.token))
        let answers = try Self.post(callbacks, api)
        for (response, log) in answers {
            #expect(
                response.statusCode == 204 && response.body.isEmpty,
                "\(response.statusCode) \(response.body) \(log.suffix(500))")
        }
        let records = try Self.archive(api, company: F.acme, kind: "call")
        let call = try #require(records.first { $0["sid"] as? String == sid })
        #expect(
            call["status"] as? String == "completed" && call["answered"] as? Bool == true
                && call["durationSeconds"] as? Int == 42, "\(call)")
        #expect(call["decision"] as? String != nil && call["endedAt"] as? String != nil)
        for (status, index) in zip(["busy", "no-answer", "failed", "canceled"], 0...) {
            let ended = records.first { $0["sid"] as? String == "CA" + String(repeating: "\(index)", count: 32) }
            #expect(
                ended?["status"] as? String == status && ended?["answered"] as? Bool == false,
                "\(status): \(String(describing: ended))")
        }
        let placed = try #require(records.first { $0["sid"] as? String == console })
        #expect(
            placed["direction"] as? String == "outbound-api" && placed["status"] as? String == "completed"
                && placed["companyId"] as? String == F.acme)
    }

    @Test(
        "a message's status callbacks: sent, delivered, a late sent changing nothing, read; undelivered keeps Twilio's error",
        arguments: ["sqlite", "mongodb"])
    func messageOutcomes(backend: String) throws {
        let api = try F(backend: backend)
        let acme = try F.credentials(of: F.acme)
        let path = "/api/twilio/sms/status"
        let query = "companyId=\(F.acme)"
        func message(_ sid: String, _ status: String, extra: [(String, String)] = []) -> [(String, String)] {
            [
                ("AccountSid", acme.sid), ("MessageSid", sid), ("SmsSid", sid), ("MessageStatus", status),
                ("SmsStatus", status),
                ("From", "+15550100001"), ("To", "+15557654321"), ("ApiVersion", "2010-04-01"),
            ] + extra
        }
        let sid = "SM" + String(repeating: "8", count: 32)
        let failed = "SM" + String(repeating: "9", count: 32)
        let answers = try Self.post(
            [
                Callback(path: path, query: query, params: message(sid, "queued"), token: acme.token),
                Callback(path: path, query: query, params: message(sid, "sent"), token: acme.token),
                Callback(path: path, query: query, params: message(sid, "delivered"), token: acme.token),
                Callback(path: path, query: query, params: message(sid, "sent"), token: acme.token),
                Callback(path: path, query: query, params: message(sid, "read"), token: acme.token),
                Callback(
                    path: path, query: query,
                    params: message(
                        failed, "undelivered",
                        extra: [("ErrorCode", "30003"), ("ErrorMessage", "Unreachable destination handset")]),
                    token: acme.token),
            ], api)
        #expect(answers.allSatisfy { $0.0.statusCode == 204 }, "\(answers.map { $0.0.statusCode })")
        let records = try Self.archive(api, company: F.acme, kind: "message")
        #expect(records.first { $0["sid"] as? String == sid }?["status"] as? String == "read")
        let undelivered = try #require(records.first { $0["sid"] as? String == failed })
        #expect(undelivered["status"] as? String == "undelivered" && undelivered["errorCode"] as? String == "30003")
        #expect(
            undelivered["errorMessage"] as? String == "Unreachable destination handset" && undelivered["endedAt"] != nil
        )
    }

    @Test(
        "forged, cross-tenant, unsigned and malformed callbacks: 403 or 400, and nothing written",
        arguments: ["sqlite", "mongodb"])
    func refused(backend: String) throws {
        let api = try F(backend: backend)
        let acme = try F.credentials(of: F.acme)
        let birch = try F.credentials(of: F.birch)
        let path = "/api/twilio/voice/status"
        let sid = "CA" + String(repeating: "d", count: 32)
        let cases: [(Callback, Int, String)] = [
            // Birch's account, signing as itself, names Acme in the URL.
            (
                Callback(
                    path: path, query: "companyId=\(F.acme)", params: Self.call(sid, "completed", account: birch.sid),
                    token: birch.token), 403, "validation failed"
            ),
            // Signed with Acme's token, but the posted account is Birch's.
            (
                Callback(
                    path: path, query: "companyId=\(F.acme)", params: Self.call(sid, "completed", account: birch.sid),
                    token: acme.token), 403, "validation failed"
            ),
            (
                Callback(
                    path: path, query: "companyId=\(F.acme)", params: Self.call(sid, "completed", account: acme.sid),
                    token: nil), 403, "missing X-Twilio-Signature"
            ),
            (
                Callback(
                    path: path, query: "companyId=\(F.acme)", params: Self.call(sid, "completed", account: acme.sid),
                    token: "0123456789abcdef0123456789abcdef"), 403, "validation failed"
            ),
            (
                Callback(
                    path: path, query: "companyId=65a1f0c2e4b0a1a2b3c4d5ff",
                    params: Self.call(sid, "completed", account: acme.sid), token: acme.token), 403, "validation failed"
            ),
            (
                Callback(
                    path: path, query: "", params: Self.call(sid, "completed", account: acme.sid), token: acme.token),
                400, "companyId"
            ),
            (
                Callback(
                    path: path, query: "companyId=%20bad%20", params: Self.call(sid, "completed", account: acme.sid),
                    token: acme.token), 400, "companyId"
            ),
            (
                Callback(
                    path: path, query: "companyId=\(F.acme)", params: [("AccountSid", acme.sid), ("CallSid", sid)],
                    token: acme.token), 400, "CallStatus"
            ),
            (
                Callback(
                    path: "/api/twilio/sms/status", query: "companyId=\(F.acme)",
                    params: [("AccountSid", acme.sid), ("MessageStatus", "sent")], token: acme.token), 400, "MessageSid"
            ),
        ]
        let answers = try Self.post(cases.map(\.0), api)
        for ((_, status, words), (response, log)) in zip(cases, answers) {
            #expect(
                response.statusCode == status && response.body.contains(words),
                "\(response.statusCode) \(response.body) \(log.suffix(300))")
        }
        #expect(try Self.archive(api, company: F.acme, kind: "call").isEmpty)
        #expect(try Self.archive(api, company: F.birch, kind: "call").isEmpty)
        #expect(try Self.archive(api, company: F.acme, kind: "message").isEmpty)
    }
}
