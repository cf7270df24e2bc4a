import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Webhooks signed with a SharedKey Switchboard holds: `switchboard signing enable`,
/// `rotate` and `disable` against the Twilio stand-in's Webhooks configuration API, and
/// calls signed by twilio-python 9.13 (HMAC_SHA256, `X-Twilio-Webhooks-Signature-Settings`)
/// through the built Voice, on both backends.
@Suite("Webhooks signed with a shared key")
struct SharedKeySigningTests {
    typealias F = AdminAPIFixture
    static let publicBase = "https://calls.example.com"
    static let apiKey = "SK" + String(repeating: "5", count: 32)
    static let apiSecret = "apisecret0123456789ABCDEFGHIJKLM"

    /// The example companies, Acme with an API key (which the configuration API needs).
    static func fixture(_ backend: String) throws -> F {
        let api = try F(backend: backend, extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": publicBase])
        api.setEnvironment("TWILIO_WEBHOOKS_API_BASE", api.twilio.baseURL)
        let acme = try F.credentials(of: F.acme)
        try api.twilio.addAccount(acme.sid, token: acme.token, keys: [apiKey: apiSecret])
        let body = try ConfigAPITests.acmeBody {
            $0["apiKey"] = apiKey
            $0["apiSecret"] = apiSecret
        }
        let saved = try api.put(F.acme, body, token: try api.adminToken())
        #expect(saved.statusCode == 200, "\(saved.body)")
        return api
    }

    /// A call to Acme's number as Voice gets it: signed by twilio-python with `secret` and
    /// `algorithm`, carrying the signature settings header naming `key` (none for an
    /// auth-token signature).
    static func call(
        _ api: F, secret: String, algorithm: String = "HMAC_SHA256", key: String?, sid: String,
        path: String = "/api/twilio/voice", query: String = "",
        extra: [(String, String)] = []
    ) throws -> (HTTPResponse, String) {
        let params: [(String, String)] =
            [
                ("AccountSid", try F.credentials(of: F.acme).sid), ("CallSid", sid), ("From", "+15557654321"),
                ("To", "+15550100001"), ("Direction", "inbound"),
            ] + extra
        let url = publicBase + path + (query.isEmpty ? "" : "?" + query)
        let code = """
            import json, sys
            from twilio.request_validator import RequestValidator
            c = json.load(sys.stdin)
            print(RequestValidator(c["secret"]).compute_signature(c["url"], dict(c["params"]), c["algorithm"]))
            """
        let input = try JSONSerialization.data(withJSONObject: [
            "secret": secret, "url": url, "params": params.map { [$0.0, $0.1] }, "algorithm": algorithm,
        ])
        let signed = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code], input: input, environment: ["PATH": "/usr/bin:/bin"])
        #expect(signed.status == 0, "\(signed.stderrText)")
        var headers = [
            "content-type": "application/x-www-form-urlencoded", "host": "calls.example.com",
            "x-twilio-signature": signed.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines),
        ]
        if let key { headers["x-twilio-webhooks-signature-settings"] = "key=\(key),algorithm=\(algorithm)" }
        let body = params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }
            .joined(separator: "&")
        let event = HTTPEvent(
            method: "POST", rawPath: path, rawQueryString: query, headers: headers,
            body: Data(body.utf8).base64EncodedString(), isBase64Encoded: true, domainName: "calls.example.com",
            requestId: "signing")
        let function = path.hasPrefix("/api/twilio/sms") ? "SMS" : "Voice"
        let result = try ProcessRunner.run(
            ExampleData.executable(function), input: try JSONEncoder().encode(event), environment: api.environment)
        let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
        return (response, result.stderrText)
    }

    /// `switchboard signing <verb> --company Acme`: its report, and what it printed.
    static func signing(_ api: F, _ verb: String) throws -> (status: Int32, report: [String: Any], output: String) {
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["signing", verb, "--company", F.acme], environment: api.environment)
        let report = (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] ?? [:]
        return (result.status, report, result.stdoutText + result.stderrText)
    }

    /// The stand-in's SharedKeys, Settings and Rules of Acme's account.
    static func webhooks(_ api: F) throws -> [String: [String: [String: Any]]] {
        let all =
            try JSONSerialization.jsonObject(with: Data(try api.twilio.webhooksState().utf8)) as? [String: Any] ?? [:]
        return all[try F.credentials(of: F.acme).sid] as? [String: [String: [String: Any]]] ?? [:]
    }

    @Test(
        "enable, a call on the key, the auth token regenerated, rotate with the old key in its grace, required, disable",
        arguments: ["sqlite", "mongodb"])
    func lifecycle(backend: String) throws {
        let api = try Self.fixture(backend)
        let acme = try F.credentials(of: F.acme)
        var outputs = ""

        // enable: a key, a Setting signing with it (HMAC_SHA256), a Rule on this deployment's webhooks.
        let enabled = try Self.signing(api, "enable")
        outputs += enabled.output
        #expect(enabled.status == 0, "\(enabled.output)")
        let keyID = try #require(enabled.report["sharedKey"] as? String)
        var state = try Self.webhooks(api)
        let secret = try #require(state["SharedKeys"]?[keyID]?["secret"] as? String)
        let setting = try #require(state["Settings"]?.values.first)
        #expect((setting["signature"] as? [String: Any])?["sharedKeyId"] as? String == keyID)
        #expect((setting["signature"] as? [String: Any])?["algorithm"] as? String == "HMAC_SHA256")
        #expect(state["Rules"]?.values.map { $0["prefix"] as? String } == [Self.publicBase + "/api/twilio/"])
        #expect(
            try api.twilio.requests().filter { ($0["path"] as? String)?.hasPrefix("/v1/Webhooks") == true }.allSatisfy {
                $0["user"] as? String == Self.apiKey
            },
            "the configuration API is called with the company's API key")
        let stored = try api.storedDocument(F.acme)
        #expect(stored.contains(keyID) && !stored.contains(secret), "the key's secret is sealed at rest")

        // A call signed with the key; then the auth token regenerated in Twilio's console:
        // calls signed with the key still validate.
        #expect(
            try Self.call(api, secret: secret, key: keyID, sid: "CA" + String(repeating: "1", count: 32)).0.statusCode
                == 200)
        try api.twilio.addAccount(
            acme.sid, token: "fedcba9876543210fedcba9876543210", keys: [Self.apiKey: Self.apiSecret])
        let (onKey, log) = try Self.call(api, secret: secret, key: keyID, sid: "CA" + String(repeating: "2", count: 32))
        #expect(
            onKey.statusCode == 200 && log.contains(keyID) && log.contains("HMAC_SHA256"),
            "\(onKey.body) \(log.suffix(400))")
        #expect(
            try Self.call(
                api, secret: "fedcba9876543210fedcba9876543210", algorithm: "HMAC_SHA1", key: nil,
                sid: "CA" + String(repeating: "3", count: 32)
            ).0.statusCode == 403,
            "the regenerated token is one Switchboard does not hold")
        // Every route checks the same way: a status callback, the forward's dial action, a message.
        let query = "companyId=\(F.acme)"
        #expect(
            try Self.call(
                api, secret: secret, key: keyID, sid: "CA" + String(repeating: "2", count: 32),
                path: "/api/twilio/voice/status",
                query: query, extra: [("CallStatus", "completed")]
            ).0.statusCode == 204)
        #expect(
            try Self.call(
                api, secret: secret, key: keyID, sid: "CA" + String(repeating: "2", count: 32),
                query: "dialed=1&" + query,
                extra: [("DialCallStatus", "completed")]
            ).0.statusCode == 200)
        #expect(
            try Self.call(
                api, secret: secret, key: keyID, sid: "SM" + String(repeating: "2", count: 32), path: "/api/twilio/sms",
                extra: [("MessageSid", "SM" + String(repeating: "2", count: 32)), ("Body", "hi")]
            ).0.statusCode == 200)
        #expect(
            try Self.call(
                api, secret: "not-the-key", key: keyID, sid: "CA" + String(repeating: "2", count: 32),
                path: "/api/twilio/voice/status",
                query: query, extra: [("CallStatus", "completed")]
            ).0.statusCode == 403)

        // rotate: a new key; the old one accepted through the grace period.
        let rotated = try Self.signing(api, "rotate")
        outputs += rotated.output
        #expect(
            rotated.status == 0 && rotated.report["previousKey"] as? String == keyID
                && rotated.report["previousExpiresAt"] != nil, "\(rotated.output)")
        let newKey = try #require(rotated.report["sharedKey"] as? String)
        state = try Self.webhooks(api)
        let newSecret = try #require(state["SharedKeys"]?[newKey]?["secret"] as? String)
        let rule = try #require(state["Rules"]?.values.first)
        #expect(
            (rule["settings"] as? [[String: Any]])?.first?["settingId"] as? String == rotated.report["settingId"]
                as? String, "the Rule names the new Setting")
        #expect(
            try Self.call(api, secret: newSecret, key: newKey, sid: "CA" + String(repeating: "4", count: 32)).0
                .statusCode == 200)
        #expect(
            try Self.call(api, secret: secret, key: keyID, sid: "CA" + String(repeating: "5", count: 32)).0.statusCode
                == 200, "the old key inside its grace")

        // Required: an auth-token signature is refused, the key's accepted.
        var view = try #require(
            try F.json(try api.get(F.acme, token: try api.adminToken()))["twilioConfig"] as? [String: Any])
        #expect(
            view["webhookSigning"] as? String == "shared-key"
                && (view["webhookSharedKey"] as? [String: Any])?["sid"] as? String == newKey)
        #expect(((view["webhookSharedKey"] as? [String: Any])?["secret"] as? String)?.hasPrefix("••••") == true)
        view["requireSharedKey"] = true
        let required = try api.put(
            F.acme, String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self),
            token: try api.adminToken())
        #expect(required.statusCode == 200, "\(required.body)")
        let downgraded = try Self.call(
            api, secret: "fedcba9876543210fedcba9876543210", algorithm: "HMAC_SHA1", key: nil,
            sid: "CA" + String(repeating: "6", count: 32))
        #expect(
            downgraded.0.statusCode == 403 && downgraded.1.contains("requires webhooks signed with its shared key"),
            "\(downgraded.1.suffix(400))")

        let explained = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["explain", "+15550100001"], environment: api.environment)
        #expect(
            explained.stdoutText.contains("signed with shared key \(newKey) (HMAC_SHA256")
                && explained.stdoutText.contains("auth-token signatures are refused"),
            "\(explained.stdoutText)")

        // disable: everything enable and rotate made is gone; the auth token signs again.
        let disabled = try Self.signing(api, "disable")
        outputs += disabled.output
        #expect(disabled.status == 0, "\(disabled.output)")
        state = try Self.webhooks(api)
        #expect(
            state["Rules"]?.isEmpty != false && state["Settings"]?.isEmpty != false
                && state["SharedKeys"]?.isEmpty != false, "\(state)")
        #expect(
            try Self.call(api, secret: newSecret, key: newKey, sid: "CA" + String(repeating: "7", count: 32)).0
                .statusCode == 403)
        #expect(
            try Self.call(
                api, secret: acme.token, algorithm: "HMAC_SHA1", key: nil, sid: "CA" + String(repeating: "8", count: 32)
            ).0.statusCode == 200)
        let after = try #require(
            try F.json(try api.get(F.acme, token: try api.adminToken()))["twilioConfig"] as? [String: Any])
        #expect(
            after["webhookSharedKey"] is NSNull && after["requireSharedKey"] as? Bool == false
                && after["webhookSigning"] as? String == "auth-token")

        for secret in [secret, newSecret, Self.apiSecret] {
            #expect(!outputs.contains(secret), "a secret in what signing printed")
        }
        #expect(!(try api.storedDocument(F.acme)).contains(newSecret))
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "ConfigPut asks for it: configureWebhooks sets it up, and back; the sweep notices a Rule gone; no API key is refused by name",
        arguments: ["sqlite", "mongodb"])
    func throughConfigPut(backend: String) throws {
        let api = try Self.fixture(backend)
        let admin = try api.adminToken()
        var view = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        view["webhookSigning"] = "shared-key"
        let put = try api.put(
            F.acme, String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self),
            query: "configureWebhooks=true", token: admin)
        let answer = try F.json(put)
        let signing = try #require(answer["signing"] as? [String: Any], "\(put.body)")
        #expect(signing["result"] as? String == "enabled", "\(signing)")
        let keyID = try #require((signing["report"] as? [String: Any])?["sharedKey"] as? String)
        #expect(
            ((answer["twilioConfig"] as? [String: Any])?["webhookSharedKey"] as? [String: Any])?["sid"] as? String
                == keyID)

        // Someone deletes the Rule in Twilio's console: the company's check says so.
        let rule = try #require(try Self.webhooks(api)["Rules"]?.keys.first)
        try api.twilio.deleteWebhookRule(
            account: try F.credentials(of: F.acme).sid, apiKey: Self.apiKey, secret: Self.apiSecret, id: rule)
        let health = try F.json(try api.call("Health", "GET", "/api/companies/\(F.acme)/health", token: admin).response)
        let problems = health["problems"] as? [String] ?? []
        #expect(problems.contains { $0.contains("webhook signing Rule \(rule) is gone") }, "\(problems)")

        // Back to the auth token: what is left is removed.
        view = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        view["webhookSigning"] = "auth-token"
        let back = try F.json(
            try api.put(
                F.acme, String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self),
                query: "configureWebhooks=true", token: admin))
        #expect((back["signing"] as? [String: Any])?["result"] as? String == "disabled", "\(back)")
        #expect(try Self.webhooks(api)["SharedKeys"]?.isEmpty != false)

        // requireSharedKey without a key, and a company without an API key: refused, naming why.
        view["requireSharedKey"] = true
        let refused = try api.put(
            F.acme, String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self), token: admin)
        #expect(refused.statusCode == 422 && refused.body.contains("requireSharedKey"), "\(refused.body)")
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["signing", "enable", "--company", F.birch],
            environment: api.environment)
        #expect(result.status != 0 && result.stderrText.contains("no API key"), "\(result.stderrText)")
        try api.checkAgainstOpenAPI()
    }
}
