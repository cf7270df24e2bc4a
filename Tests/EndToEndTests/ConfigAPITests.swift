import Foundation
import SwitchboardBase
import SwitchboardRuntime
import Synchronization
import TestSupport
import Testing

/// ConfigGet and ConfigPut as Lambda runs them (one-shot executables), over both
/// directory backends, with the Twilio stand-in on a real socket.
@Suite("Config API end to end")
struct ConfigAPITests {
    typealias F = AdminAPIFixture
    static let backends = ["sqlite", "mongodb"]

    /// Acme's settings as a PUT body, with `edit` applied to the twilioConfig object.
    static func acmeBody(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var config: [String: Any] = [
            "accountSid": "AC05bdef0d221517e1d93f0d0c6b40255d",
            "phoneNumbers": [
                ["phoneNumber": "+15550100001", "friendlyName": "Front desk", "status": "active", "isPrimary": true],
                ["phoneNumber": "+15550100002", "friendlyName": "After hours", "status": "active", "isPrimary": false],
            ],
            "callRoutingMode": "ai-agent", "agentStreamUrl": "wss://agents.acme-dental.example/twilio/stream",
            "recordingEnabled": false,
        ]
        edit(&config)
        return String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
    }

    @Test("GET: every field, numbers in E.164, secrets masked, an ETag; 404, 400, 405", arguments: backends)
    func reads(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let response = try api.get(F.acme, token: admin)
        #expect(response.statusCode == 200)
        #expect(response.headers["etag"]?.hasPrefix("\"") == true)
        let body = try F.json(response)
        let config = try #require(body["twilioConfig"] as? [String: Any])
        #expect(body["companyName"] as? String == "Acme Dental Group")
        #expect(config["authToken"] as? String == "••••8bc2")
        #expect(config["hasAuthToken"] as? Bool == true)
        #expect(config["apiSecret"] is NSNull)
        #expect(
            (config["phoneNumbers"] as? [[String: Any]])?.map { $0["phoneNumber"] as? String } == [
                "+15550100001", "+15550100002",
            ])
        #expect(!response.body.contains("sealed:v1:"))
        #expect(ExampleData.leakedSecrets(in: Data(response.body.utf8)).isEmpty)
        // Dune's legacy number is shown in E.164.
        #expect(
            try F.json(api.get(F.dune, token: admin))["twilioConfig"].flatMap {
                ($0 as? [String: Any])?["phoneNumber"] as? String
            } == "+15550400001")

        #expect(try api.get("65a1f0c2e4b0a1a2b3c4d5ff", token: admin).statusCode == 404)
        #expect(try api.get("not%20an%20id", token: admin).statusCode == 400)
        #expect(try api.get(String(repeating: "x", count: 65), token: admin).statusCode == 400)
        let post = try api.call(
            "ConfigGet", "POST", "/api/companies/\(F.acme)/twilio/config", token: admin, documented: false
        ).response
        #expect(post.statusCode == 405)
        #expect(post.headers["allow"] == "GET")
        try api.checkAgainstOpenAPI()
    }

    @Test("a company token: its own company only; another company's id answers exactly as a missing one")
    func companyTokens() throws {
        let api = try F()
        let acmeToken = try api.companyToken(F.acme)
        #expect(try api.get(F.acme, token: acmeToken).statusCode == 200)
        // Birch exists; for Acme's admin it must look exactly like an id that does not.
        let foreign = try api.get(F.birch, token: acmeToken)
        let missing = try api.get("65a1f0c2e4b0a1a2b3c4d5ff", token: acmeToken)
        #expect(foreign.statusCode == 404)
        #expect(foreign.headers == missing.headers)
        #expect(
            foreign.body.replacingOccurrences(of: F.birch, with: "ID")
                == missing.body.replacingOccurrences(of: "65a1f0c2e4b0a1a2b3c4d5ff", with: "ID"))
        let put = try api.put(F.birch, try Self.acmeBody(), token: acmeToken)
        #expect(put.statusCode == 404)
        #expect(put.body == foreign.body)
        // The list holds its own company only.
        let list = try F.json(try api.call("ConfigGet", "GET", "/api/companies", token: acmeToken).response)
        #expect((list["companies"] as? [[String: Any]])?.map { $0["companyId"] as? String } == [F.acme])
        // And a company token may not skip Twilio's check.
        #expect(try api.put(F.acme, try Self.acmeBody(), query: "verify=false", token: acmeToken).statusCode == 403)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "tokens refused: missing, expired, not yet valid, wrong secret, alg none, RS256, no sub — 401 with WWW-Authenticate"
    )
    func refusedTokens() throws {
        let api = try F()
        let now = Int(Date().timeIntervalSince1970)
        let made = try ProcessRunner.run(
            try TestPaths.python(),
            [
                TestPaths.packageRoot.appendingPathComponent("Tests/Support/jwt_cases.py").path, "make", F.adminSecret,
                "another-secret-0123456789abcdef0123456789", "\(now)",
            ],
            environment: ["PATH": "/usr/bin:/bin"])
        let cases = try #require(try JSONSerialization.jsonObject(with: made.stdout) as? [[String: String]])
        var refused = 0
        for item in cases where !["admin", "company"].contains(item["expect"]) {
            for function in ["ConfigGet", "ConfigPut"] {
                let (response, log) =
                    function == "ConfigGet"
                    ? try api.call(function, "GET", "/api/companies/\(F.acme)/twilio/config", token: item["token"])
                    : try api.call(
                        function, "PUT", "/api/companies/\(F.acme)/twilio/config", token: item["token"],
                        body: try Self.acmeBody())
                #expect(response.statusCode == 401, "\(item["name"] ?? ""): \(response.statusCode)")
                #expect(response.headers["www-authenticate"] == "Bearer error=\"invalid_token\"")
                #expect(response.headers["content-type"] == "application/problem+json")
                #expect(!log.contains(item["token"] ?? "-") && !response.body.contains(item["token"] ?? "-"))
                refused += 1
            }
        }
        #expect(refused >= 30)
        let none = try api.call("ConfigGet", "GET", "/api/companies", token: nil).response
        #expect(none.statusCode == 401 && none.headers["www-authenticate"] == "Bearer error=\"invalid_token\"")
        try api.checkAgainstOpenAPI()
    }

    @Test("the list: every company for an admin, a page at a time")
    func listing() throws {
        let api = try F()
        let admin = try api.adminToken()
        let first = try F.json(
            try api.call("ConfigGet", "GET", "/api/companies", query: "limit=3", token: admin).response)
        let companies = try #require(first["companies"] as? [[String: Any]])
        #expect(companies.map { $0["companyId"] as? String } == [F.acme, F.birch, F.cedar])
        #expect(companies.allSatisfy { $0["twilioConfigured"] as? Bool == true })
        let next = try #require(first["next"] as? String)
        let second = try F.json(
            try api.call("ConfigGet", "GET", "/api/companies", query: "limit=3&after=\(next)", token: admin).response)
        #expect((second["companies"] as? [[String: Any]])?.map { $0["companyId"] as? String } == [F.dune])
        #expect(second["next"] is NSNull)
        #expect(
            try api.call("ConfigGet", "GET", "/api/companies", query: "limit=500", token: admin).response.statusCode
                == 400)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "a change Twilio need not confirm is saved without asking it; the answer is what GET now returns",
        arguments: backends)
    func savedWithoutTwilio(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let response = try api.put(
            F.acme,
            try Self.acmeBody {
                $0["recordingEnabled"] = true
                $0["whisperMessage"] = "Call for Acme <urgent> & more"
            }, token: admin)
        #expect(response.statusCode == 200, "\(response.body)")
        let saved = try F.json(response)
        let read = try api.get(F.acme, token: admin)
        #expect(response.headers["etag"] == read.headers["etag"])
        var readBody = try F.json(read)
        var savedBody = saved
        for key in ["dryRun", "verification", "webhooks"] { savedBody.removeValue(forKey: key) }
        readBody.removeValue(forKey: "dryRun")
        #expect(NSDictionary(dictionary: savedBody).isEqual(to: readBody))
        let config = try #require(readBody["twilioConfig"] as? [String: Any])
        #expect(config["recordingEnabled"] as? Bool == true)
        #expect(config["whisperMessage"] as? String == "Call for Acme <urgent> & more")
        #expect(config["updatedBy"] as? String == "ops@example.com")
        #expect(config["authToken"] as? String == "••••8bc2")
        #expect(try api.twilio.requests().isEmpty, "Twilio was asked about an unchanged account")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "each Twilio outcome: valid, 401, suspended, number not owned, 429 then success, 500, hang — refusals write nothing",
        arguments: backends)
    func twilioOutcomes(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let newToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        let acmeSid = "AC05bdef0d221517e1d93f0d0c6b40255d"

        func attempt(_ body: String, _ expected: Int, _ what: String) throws -> HTTPResponse {
            let before = try api.storedDocument(F.acme)
            let response = try api.put(F.acme, body, token: admin)
            #expect(response.statusCode == expected, "\(what): \(response.statusCode) \(response.body)")
            if expected != 200 {
                #expect(try api.storedDocument(F.acme) == before, "\(what) changed the stored document")
            }
            return response
        }
        let withNewToken = try Self.acmeBody { $0["authToken"] = newToken }

        // The customer has not set the new token up in Twilio: Twilio refuses it.
        let refused = try attempt(withNewToken, 422, "401 from Twilio")
        #expect(refused.body.contains("Twilio rejected these credentials"))
        #expect(
            try F.json(refused)["errors"].map { ($0 as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? [] }
                == ["authToken", "accountSid"])

        // A suspended account.
        try api.twilio.addAccount(acmeSid, token: newToken, status: "suspended")
        #expect(try attempt(withNewToken, 422, "suspended").body.contains("suspended"))

        // A number the account does not own.
        try api.twilio.addAccount(acmeSid, token: newToken)
        let unowned = try attempt(
            try Self.acmeBody { config in
                config["authToken"] = newToken
                config["phoneNumbers"] = [
                    ["phoneNumber": "+15550100001", "status": "active"],
                    ["phoneNumber": "+15559990001", "status": "active"],
                ]
            }, 422, "number not owned")
        #expect(unowned.body.contains("+15559990001"))
        #expect(!unowned.body.contains("+15550100001 is not"))

        // Twilio failing, then hanging: 503, nothing written.
        try api.twilio.inject([["match": "/Accounts/", "status": 500, "times": 1]])
        #expect(try attempt(withNewToken, 503, "500").headers["retry-after"] != nil)
        try api.twilio.inject([["match": "/Accounts/", "hang": true, "delay_ms": 15_000, "times": 1]])
        let started = Date()
        _ = try attempt(withNewToken, 503, "hang")
        #expect(Date().timeIntervalSince(started) < 10, "ConfigPut waited for a hanging Twilio")

        // Too many requests twice, then the answer: retried, saved.
        try api.twilio.inject([["match": "/Accounts/", "status": 429, "retry_after": "0.2", "times": 2]])
        let saved = try attempt(withNewToken, 200, "429 then success")
        let verification = try #require(try F.json(saved)["verification"] as? [String: Any])
        #expect(verification["accountStatus"] as? String == "active")
        #expect(verification["numbersConfirmed"] as? [String] == ["+15550100001", "+15550100002"])
        let config = try #require(try F.json(saved)["twilioConfig"] as? [String: Any])
        #expect(config["authToken"] as? String == "••••8f90")
        #expect(config["authTokenPreviousExpiresAt"] is String, "the replaced token was not kept")
        // Twilio was asked with the company's own account, never another's.
        let users = Set(try api.twilio.requests().compactMap { $0["user"] as? String })
        #expect(users == [acmeSid])
        #expect(!(try api.storedDocument(F.acme)).contains(newToken))
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "two companies claiming one number at the same moment, 100 rounds: exactly one wins each, and the directory never holds it twice",
        arguments: backends)
    func concurrentClaims(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        func body(_ company: String, claiming number: String) throws -> String {
            if company == F.acme {
                return try Self.acmeBody {
                    $0["phoneNumbers"] = [
                        ["phoneNumber": "+15550100001", "status": "active", "isPrimary": true],
                        ["phoneNumber": number, "status": "active"],
                    ]
                }
            }
            let config: [String: Any] = [
                "accountSid": "ACaa1b3387c16459de40bf8ab0f9015440", "callRoutingMode": "voicemail",
                "phoneNumbers": [
                    ["phoneNumber": "+15550200001", "status": "active", "isPrimary": true],
                    ["phoneNumber": number, "status": "active"],
                ],
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        }
        var outcomes: [String] = []
        for round in 0..<100 {
            let number = "+1555077" + String(format: "%04d", round)
            let statuses = Mutex<[String: Int]>([:])
            let failures = FailureBox()
            let claims = [(F.acme, try body(F.acme, claiming: number)), (F.birch, try body(F.birch, claiming: number))]
            DispatchQueue.concurrentPerform(iterations: 2) { side in
                let (company, claim) = claims[side]
                do {
                    let response = try api.put(company, claim, query: "verify=false", token: admin)
                    statuses.withLock { $0[company] = response.statusCode }
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            let seen = statuses.withLock { $0 }
            let codes = [seen[F.acme] ?? 0, seen[F.birch] ?? 0].sorted()
            #expect(codes == [200, 409], "round \(round): \(seen)")
            let holders = try [F.acme, F.birch].filter {
                try api.storedDocument($0).contains(String(number.dropFirst()))
            }
            #expect(holders.count == 1, "round \(round): \(number) held by \(holders)")
            if let winner = seen.first(where: { $0.value == 200 })?.key { outcomes.append(winner) }
            if codes != [200, 409] || holders.count != 1 { break }
        }
        #expect(outcomes.count == 100)
    }

    @Test("409: a number another company holds, named; the holder only for a platform admin", arguments: backends)
    func numberTaken(backend: String) throws {
        let api = try F(backend: backend)
        let body = try Self.acmeBody { config in
            config["phoneNumbers"] = [
                ["phoneNumber": "+15550100001", "status": "active"],
                ["phoneNumber": "+1 (555) 020-0002", "status": "inactive"],
            ]
        }
        let before = try api.storedDocument(F.acme)
        let admin = try api.put(F.acme, body, token: try api.adminToken())
        #expect(admin.statusCode == 409)
        #expect(admin.body.contains("+15550200002") && admin.body.contains(F.birch))
        let own = try api.put(F.acme, body, token: try api.companyToken(F.acme))
        #expect(own.statusCode == 409)
        #expect(own.body.contains("+15550200002") && !own.body.contains(F.birch))
        #expect(try api.storedDocument(F.acme) == before)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "412: If-Match with an ETag someone else's save made stale; *, and the current ETag, are accepted",
        arguments: backends)
    func preconditions(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let etag = try #require(try api.get(F.acme, token: admin).headers["etag"])
        let first = try api.put(
            F.acme, try Self.acmeBody { $0["recordingEnabled"] = true }, token: admin, headers: ["if-match": etag])
        #expect(first.statusCode == 200)
        let before = try api.storedDocument(F.acme)
        let stale = try api.put(
            F.acme, try Self.acmeBody { $0["callRoutingMode"] = "voicemail" }, token: admin, headers: ["if-match": etag]
        )
        #expect(stale.statusCode == 412)
        #expect(
            try api.put(
                F.acme, try Self.acmeBody(), token: admin, headers: ["if-match": "W/" + (first.headers["etag"] ?? "")]
            ).statusCode == 412)
        #expect(try api.storedDocument(F.acme) == before)
        #expect(
            try api.put(F.acme, try Self.acmeBody(), token: admin, headers: ["if-match": first.headers["etag"] ?? ""])
                .statusCode == 200)
        #expect(try api.put(F.acme, try Self.acmeBody(), token: admin, headers: ["if-match": "*"]).statusCode == 200)
        try api.checkAgainstOpenAPI()
    }

    @Test("bad bodies: 415, 413, 400, and 422 listing each field; nothing written")
    func badBodies() throws {
        let api = try F()
        let admin = try api.adminToken()
        let before = try api.storedDocument(F.acme)
        let path = "/api/companies/\(F.acme)/twilio/config"
        #expect(
            try api.call("ConfigPut", "PUT", path, token: admin, body: "{}", headers: ["content-type": "text/plain"])
                .response.statusCode == 415)
        #expect(
            try api.put(F.acme, "{\"whisperMessage\": \"" + String(repeating: "x", count: 70_000) + "\"}", token: admin)
                .statusCode == 413)
        #expect(try api.put(F.acme, "{\"accountSid\": ", token: admin).statusCode == 400)
        #expect(try api.put(F.acme, "[]", token: admin).statusCode == 400)
        let invalid = try api.put(
            F.acme,
            #"{"accountSid": "AC1", "phoneNumbers": [{"phoneNumber": "+1555"}], "callRoutingMode": "forward", "colour": "red"}"#,
            token: admin)
        #expect(invalid.statusCode == 422)
        #expect(invalid.headers["content-type"] == "application/problem+json")
        let fields = try #require(try F.json(invalid)["errors"] as? [[String: Any]]).compactMap {
            $0["field"] as? String
        }
        #expect(
            Set(fields).isSuperset(of: ["accountSid", "phoneNumbers[0].phoneNumber", "forwardNumber", "colour"]),
            "\(fields)")
        #expect(try api.storedDocument(F.acme) == before)
        try api.checkAgainstOpenAPI()
    }

    @Test("a dry run checks with Twilio and stores nothing", arguments: backends)
    func dryRun(backend: String) throws {
        let api = try F(backend: backend)
        let before = try api.storedDocument(F.acme)
        let response = try api.put(
            F.acme, try Self.acmeBody { $0["callRoutingMode"] = "voicemail" }, query: "dryRun=true",
            token: try api.adminToken())
        #expect(response.statusCode == 200)
        let body = try F.json(response)
        #expect(body["dryRun"] as? Bool == true)
        #expect((body["twilioConfig"] as? [String: Any])?["callRoutingMode"] as? String == "voicemail")
        #expect((body["verification"] as? [String: Any])?["accountStatus"] as? String == "active")
        #expect(try api.storedDocument(F.acme) == before)
        // Test connection with wrong credentials says so, still storing nothing.
        try api.twilio.addAccount("AC05bdef0d221517e1d93f0d0c6b40255d", token: "0000000000000000000000000000000f")
        #expect(
            try api.put(F.acme, try Self.acmeBody(), query: "dryRun=true", token: try api.adminToken()).statusCode
                == 422)
        try api.checkAgainstOpenAPI()
    }

    @Test("configureWebhooks points each active number at this deployment, and says what changed")
    func configureWebhooks() throws {
        let api = try F(extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"])
        let admin = try api.adminToken()
        let app = try api.twilio.addNumber(
            "+15550100009", account: "AC05bdef0d221517e1d93f0d0c6b40255d",
            settings: ["voice_application_sid": "AP" + String(repeating: "e", count: 32)])
        #expect(!app.isEmpty)
        let body = try Self.acmeBody { config in
            config["phoneNumbers"] = [
                ["phoneNumber": "+15550100001", "status": "active"],
                ["phoneNumber": "+15550100009", "status": "active"],
                ["phoneNumber": "+15550100002", "status": "inactive"],
            ]
        }
        let response = try api.put(F.acme, body, query: "configureWebhooks=true", token: admin)
        #expect(response.statusCode == 200, "\(response.body)")
        let reports = try #require(try F.json(response)["webhooks"] as? [[String: Any]])
        #expect(reports.map { $0["phoneNumber"] as? String } == ["+15550100001", "+15550100009"])
        #expect(reports.allSatisfy { $0["result"] as? String == "updated" })
        #expect(reports[1]["note"].map { "\($0)".contains("TwiML app") } == true)
        let numbers = try api.twilio.numbers()
        let front = try #require(numbers.first { $0["phone_number"] as? String == "+15550100001" })
        #expect(front["voice_url"] as? String == "https://calls.example.com/api/twilio/voice")
        #expect(front["sms_url"] as? String == "https://calls.example.com/api/twilio/sms")
        // How each call ends comes back to Voice, naming the company.
        #expect(
            front["status_callback"] as? String
                == "https://calls.example.com/api/twilio/voice/status?companyId=\(F.acme)")
        #expect(front["status_callback_method"] as? String == "POST")
        #expect((reports[0]["changed"] as? [String])?.contains("StatusCallback") == true)
        #expect(front["voice_fallback_url"] is NSNull, "a fallback URL was set that this deployment does not have")
        let inactive = try #require(numbers.first { $0["phone_number"] as? String == "+15550100002" })
        #expect(inactive["voice_url"] is NSNull, "an inactive number was pointed at Switchboard")
        let again = try F.json(try api.put(F.acme, body, query: "configureWebhooks=true", token: admin))
        #expect((again["webhooks"] as? [[String: Any]])?.allSatisfy { $0["result"] as? String == "unchanged" } == true)
        // With fallback URLs (the HTTP API's routes while the primary is a Function URL),
        // each number gets them too.
        api.setEnvironment("SWITCHBOARD_VOICE_FALLBACK_URL", "https://api.example.com/api/twilio/voice")
        api.setEnvironment("SWITCHBOARD_SMS_FALLBACK_URL", "https://api.example.com/api/twilio/sms")
        let fallback = try F.json(try api.put(F.acme, body, query: "configureWebhooks=true", token: admin))
        #expect(
            (fallback["webhooks"] as? [[String: Any]])?.first?["changed"] as? [String] == [
                "VoiceFallbackUrl", "SmsFallbackUrl",
            ], "\(fallback)")
        let withFallback = try #require(
            try api.twilio.numbers().first { $0["phone_number"] as? String == "+15550100001" })
        #expect(withFallback["voice_fallback_url"] as? String == "https://api.example.com/api/twilio/voice")
        #expect(withFallback["sms_fallback_url"] as? String == "https://api.example.com/api/twilio/sms")
        api.setEnvironment("SWITCHBOARD_VOICE_FALLBACK_URL", nil)
        api.setEnvironment("SWITCHBOARD_SMS_FALLBACK_URL", nil)
        // A deployment that does not know its URLs says so before writing anything.
        api.setEnvironment("SWITCHBOARD_PUBLIC_URL", nil)
        #expect(try api.put(F.acme, body, query: "configureWebhooks=true", token: admin).statusCode == 422)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "ConfigGet and ConfigPut stop at start without a usable admin secret, naming it",
        arguments: [nil, "too-short"] as [String?])
    func adminSecretRequired(secret: String?) throws {
        let api = try F()
        for function in ["ConfigGet", "ConfigPut"] {
            var environment = api.environment
            environment["SWITCHBOARD_ADMIN_SECRET"] = secret
            let result = try ProcessRunner.run(
                ExampleData.executable(function), input: try ExampleData.event("config-get-acme"),
                environment: environment)
            #expect(result.status == 1)
            let reply = try JSONDecoder().decode(InvocationReply.self, from: result.stdout)
            #expect(reply.error?.type == "Function.InitError")
            #expect(reply.error?.message.contains("SWITCHBOARD_ADMIN_SECRET") == true)
            #expect(!(reply.error?.message.contains("too-short") ?? false))
        }
    }
}
