import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// The built `Health` against the Twilio stand-in, real redis-servers and the MongoDB
/// test server.
@Suite("Health end to end")
struct HealthTests {
    typealias F = AdminAPIFixture
    static let path = "/api/admin/notifications/dependency-health"

    static func check(_ api: F, query: String = "", token: String? = nil, environment: [String: String] = [:]) throws
        -> (HTTPResponse, [String: Any], String)
    {
        let admin = try token ?? api.adminToken()
        let (response, log) = try api.call("Health", "GET", path, query: query, token: admin, environment: environment)
        #expect(ExampleData.leakedSecrets(in: Data((response.body + log).utf8)).isEmpty)
        return (response, (try? F.json(response)) ?? [:], log)
    }

    /// One scheduled run (the platform check and a sweep pass), as EventBridge starts it:
    /// what it printed and logged.
    @discardableResult
    static func scheduledRun(_ environment: [String: String], adding extra: [String: String] = [:]) throws
        -> ProcessResult
    {
        let event =
            #"{"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-27T10:00:00Z","region":"us-east-1","resources":[],"detail":{}}"#
        let result = try ProcessRunner.run(
            ExampleData.executable("Health"), input: Data(event.utf8),
            environment: environment.merging(extra) { _, new in new })
        #expect(result.status == 0, "\(result.stdoutText) \(result.stderrText)")
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
        return result
    }

    /// The embedded-metric lines a run wrote.
    static func metrics(_ log: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.contains("\"_aws\"") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    static func dependency(_ report: [String: Any], _ name: String) -> [String: Any] {
        (report["dependencies"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    @Test("admins only: no token 401, a company token 403")
    func authorisation() throws {
        let api = try F()
        let anonymous = try api.call("Health", "GET", Self.path, token: nil).response
        #expect(
            anonymous.statusCode == 401 && anonymous.headers["www-authenticate"] == "Bearer error=\"invalid_token\"")
        #expect(
            try api.call("Health", "GET", Self.path, token: try api.companyToken(F.acme)).response.statusCode == 403)
        #expect(
            try api.call("Health", "GET", Self.path, query: "scope=everything", token: try api.adminToken()).response
                .statusCode == 400)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "healthy: the embedded store, no Redis (not configured, not critical), Twilio through the earliest configured company"
    )
    func healthy() throws {
        let api = try F()
        let (response, report, _) = try Self.check(api)
        #expect(response.statusCode == 200, "\(response.body)")
        #expect(report["overall"] as? String == "HEALTHY")
        let twilio = Self.dependency(report, "twilio")
        #expect(twilio["status"] as? String == "HEALTHY" && twilio["critical"] as? Bool == true)
        let details = twilio["details"] as? [String: Any]
        #expect(details?["credentialSource"] as? String == "company:Acme Dental Group")
        #expect(details?["accountStatus"] as? String == "active")
        let cache = Self.dependency(report, "cache")
        #expect(cache["status"] as? String == "NOT_CONFIGURED" && cache["critical"] as? Bool == false)
        #expect(Self.dependency(report, "directory")["status"] as? String == "HEALTHY")
        #expect((Self.dependency(report, "directory")["latencyMs"] as? Double).map { $0 >= 0 } == true)
        try api.checkAgainstOpenAPI()
    }

    @Test("Twilio slow, refused, suspended, unreachable, hanging: DEGRADED or DOWN, each inside its bound")
    func twilioStates() throws {
        let api = try F(extraEnvironment: [
            "SWITCHBOARD_HEALTH_SLOW_MS": "300", "SWITCHBOARD_HEALTH_DEADLINE_MS": "2500",
        ])
        let acme = try F.credentials(of: F.acme)
        try api.twilio.inject([["match": "/Accounts/", "delay_ms": 600, "times": 1]])
        let (slow, slowReport, _) = try Self.check(api)
        #expect(slow.statusCode == 200)
        #expect(Self.dependency(slowReport, "twilio")["status"] as? String == "DEGRADED")
        #expect(slowReport["overall"] as? String == "DEGRADED")

        try api.twilio.addAccount(acme.sid, token: "00000000000000000000000000000001")
        let (refused, refusedReport, log) = try Self.check(api)
        #expect(refused.statusCode == 503)
        #expect(Self.dependency(refusedReport, "twilio")["status"] as? String == "DOWN")
        #expect((Self.dependency(refusedReport, "twilio")["message"] as? String)?.contains("401") == true)
        #expect(log.contains("health.checked"))

        try api.twilio.addAccount(acme.sid, token: acme.token, status: "suspended")
        let (_, suspended, _) = try Self.check(api)
        #expect((Self.dependency(suspended, "twilio")["message"] as? String)?.contains("suspended") == true)
        #expect(
            (Self.dependency(suspended, "twilio")["details"] as? [String: Any])?["accountStatus"] as? String
                == "suspended")

        try api.twilio.addAccount(acme.sid, token: acme.token)
        try api.twilio.inject([["match": "/Accounts/", "hang": true, "delay_ms": 20_000, "times": 1]])
        let started = Date()
        let (hung, hungReport, _) = try Self.check(api)
        #expect(Date().timeIntervalSince(started) < 8, "the check waited for a hanging Twilio")
        #expect(hung.statusCode == 503)
        #expect(Self.dependency(hungReport, "twilio")["status"] as? String == "DOWN")

        let (unreachable, unreachableReport, _) = try Self.check(
            api, environment: ["TWILIO_API_BASE": "http://127.0.0.1:\(try RedisServer.freePort())"])
        #expect(unreachable.statusCode == 503)
        #expect(
            (Self.dependency(unreachableReport, "twilio")["message"] as? String)?.contains("could not be reached")
                == true)
        try api.checkAgainstOpenAPI()
    }

    @Test("global credentials win over a company's; without either, Twilio is NOT_CONFIGURED and not critical")
    func credentialSources() throws {
        let api = try F()
        let globalSid = "AC" + String(repeating: "9", count: 32)
        try api.twilio.addAccount(globalSid, token: "platform-token-0123456789abcdef0")
        let (_, global, _) = try Self.check(
            api,
            environment: ["TWILIO_ACCOUNT_SID": globalSid, "TWILIO_AUTH_TOKEN": "platform-token-0123456789abcdef0"])
        #expect(
            (Self.dependency(global, "twilio")["details"] as? [String: Any])?["credentialSource"] as? String == "global"
        )
        #expect(try api.twilio.requests().last?["user"] as? String == globalSid)

        // A store whose companies have no credentials at all.
        let bare = try SeededStore(extraEnvironment: [
            "SWITCHBOARD_ADMIN_SECRET": F.adminSecret, "TWILIO_API_BASE": api.twilio.baseURL,
        ])
        let file = bare.folder.appendingPathComponent("bare.json")
        try Data(
            #"[{"_id": "65a1f0c2e4b0a1a2b3c4d5f9", "companyName": "Elm", "twilioConfig": {"callRoutingMode": "voicemail"}}]"#
                .utf8
        ).write(to: file)
        var environment = bare.environment
        environment["SWITCHBOARD_STORE"] = "sqlite:" + bare.folder.appendingPathComponent("bare.sqlite").path
        _ = try ProcessRunner.run(ExampleData.executable("switchboard"), ["seed", file.path], environment: environment)
        let (response, report, _) = try Self.check(
            api, environment: ["SWITCHBOARD_STORE": environment["SWITCHBOARD_STORE"]!])
        let twilio = Self.dependency(report, "twilio")
        #expect(twilio["status"] as? String == "NOT_CONFIGURED" && twilio["critical"] as? Bool == false)
        #expect(twilio["message"] as? String == "Twilio not configured (per-company system)")
        #expect(response.statusCode == 200 && report["overall"] as? String == "HEALTHY")
    }

    @Test("Redis: healthy, then stopped — DEGRADED, not critical, still 200")
    func redis() throws {
        let redis = try RedisServer()
        let api = try F(extraEnvironment: ["REDIS_URL": redis.url])
        let (_, up, _) = try Self.check(api)
        #expect(Self.dependency(up, "cache")["status"] as? String == "HEALTHY")
        redis.stop()
        let (response, down, _) = try Self.check(api)
        #expect(Self.dependency(down, "cache")["status"] as? String == "DEGRADED")
        #expect(Self.dependency(down, "cache")["critical"] as? Bool == false)
        #expect(response.statusCode == 200)
    }

    @Test("MongoDB stopped: the directory DOWN and 503; a URI's user info is never shown")
    func mongoDown() throws {
        let server = try MongoTestServer()
        let api = try F(extraEnvironment: [
            "SWITCHBOARD_STORE": server.uri + "/switchboard?serverSelectionTimeoutMS=500"
        ])
        let (healthy, report, _) = try Self.check(api)
        #expect(healthy.statusCode == 200)
        #expect((Self.dependency(report, "directory")["details"] as? [String: Any])?["backend"] as? String == "mongodb")
        server.stop()
        let (down, downReport, log) = try Self.check(api)
        #expect(down.statusCode == 503)
        #expect(Self.dependency(downReport, "directory")["status"] as? String == "DOWN")
        // Credentials in the URI stay out of the answer and the log.
        let secretURI =
            "mongodb://alice:s3cretPassw0rd@127.0.0.1:\(server.port)/switchboard?serverSelectionTimeoutMS=300"
        let (_, withCredentials, credentialLog) = try Self.check(api, environment: ["SWITCHBOARD_STORE": secretURI])
        let text =
            String(decoding: try JSONSerialization.data(withJSONObject: withCredentials), as: UTF8.self) + credentialLog
            + log
        #expect(!text.contains("s3cretPassw0rd") && !text.contains("alice"))
        #expect(
            (Self.dependency(withCredentials, "directory")["details"] as? [String: Any])?["store"] as? String
                == "mongodb://127.0.0.1:\(server.port)/switchboard?…")
    }

    @Test(
        "everything hanging at once (MongoDB and Redis frozen, Twilio hanging): answered inside the deadline, each saying so"
    )
    func everythingHangs() throws {
        let server = try MongoTestServer()
        let redis = try RedisServer()
        let api = try F(extraEnvironment: [
            "SWITCHBOARD_STORE": server.uri + "/switchboard", "REDIS_URL": redis.url,
            "SWITCHBOARD_HEALTH_DEADLINE_MS": "1500",
            "SWITCHBOARD_REDIS_CONNECT_TIMEOUT_MS": "5000", "SWITCHBOARD_TWILIO_TIMEOUT_MS": "20000",
        ])
        let admin = try api.adminToken()
        try api.twilio.inject([["hang": true, "delay_ms": 30_000, "times": 5]])
        server.pause()
        redis.pause()
        defer {
            server.resume()
            redis.resume()
        }
        let started = Date()
        let (response, report, _) = try Self.check(api, token: admin)
        #expect(Date().timeIntervalSince(started) < 6, "the health check took \(Date().timeIntervalSince(started)) s")
        #expect(response.statusCode == 503)
        for name in ["directory", "twilio"] {
            #expect(
                Self.dependency(report, name)["status"] as? String == "DOWN",
                "\(name): \(Self.dependency(report, name))")
        }
        #expect((Self.dependency(report, "directory")["message"] as? String)?.contains("did not answer within") == true)
        #expect(Self.dependency(report, "cache")["status"] as? String == "DEGRADED")
    }

    @Test(
        "scope=all after a sweep: each company's account and each number's routing — ok, not_set, url_mismatch, wrong_method, overridden, not_found — with what to do"
    )
    func webhookFindings() throws {
        let voice = "https://calls.example.com/api/twilio/voice"
        let sms = "https://calls.example.com/api/twilio/sms"
        let api = try F(
            extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"],
            numberSettings: [
                "+15550100001": [
                    "voice_url": voice, "sms_url": sms, "status_callback": voice + "/status?companyId=" + F.acme,
                ],
                "+15550100002": ["voice_url": "https://old.example.com/voice", "sms_url": sms],
                "+15550200001": ["voice_url": voice, "voice_method": "GET", "sms_url": sms],
                "+15550300001": [:],
                "+15550300002": [
                    "voice_url": voice, "sms_url": sms,
                    "voice_application_sid": "AP" + String(repeating: "a", count: 32),
                ],
                // Dune's number sits in another Twilio account than Dune's.
                "+15550400001": ["account": "AC" + String(repeating: "0", count: 32)],
            ])
        let (_, before, _) = try Self.check(api, query: "scope=all")
        #expect((before["summary"] as? [String: Any])?["neverChecked"] as? Int == 4, "\(before)")
        try Self.scheduledRun(api.environment)
        let (_, report, _) = try Self.check(api, query: "scope=all")
        let companies = try #require(report["companies"] as? [[String: Any]])
        // Every company has a problem, so all are DOWN and listed by id.
        #expect(companies.map { $0["companyId"] as? String } == [F.acme, F.birch, F.cedar, F.dune])
        func routing(_ number: String) -> [String: Any] {
            companies.lazy.compactMap {
                ($0["numbers"] as? [[String: Any]])?.first { $0["phoneNumber"] as? String == number }
            }.first ?? [:]
        }
        let expected: [(String, String, String)] = [
            ("+15550100001", "ok", "ok"), ("+15550100002", "url_mismatch", "ok"),
            ("+15550200001", "wrong_method", "ok"),
            ("+15550300001", "not_set", "not_set"), ("+15550300002", "overridden", "ok"),
        ]
        for (number, voiceFinding, smsFinding) in expected {
            #expect(routing(number)["voice"] as? String == voiceFinding, "\(number): \(routing(number))")
            #expect(routing(number)["sms"] as? String == smsFinding, "\(number): \(routing(number))")
            #expect((routing(number)["action"] is NSNull) == (voiceFinding == "ok" && smsFinding == "ok"))
        }
        #expect((routing("+15550100002")["action"] as? String)?.contains(voice) == true)
        // How calls end is reported where it should be for one number, and nowhere for another.
        #expect(routing("+15550100001")["statusCallback"] as? String == "ok")
        #expect(routing("+15550100002")["statusCallback"] as? String == "not_set")
        #expect(
            (routing("+15550100002")["action"] as? String)?.contains(
                "status callback to \(voice)/status?companyId=\(F.acme)") == true)
        let dune = try #require(companies.first { $0["companyId"] as? String == F.dune })
        #expect((dune["numbers"] as? [[String: Any]])?.first?["voice"] as? String == "not_found")
        let acme = try #require(companies.first { $0["companyId"] as? String == F.acme })
        #expect((acme["problems"] as? [String])?.count == 1)
        #expect(acme["status"] as? String == "DOWN")
        #expect((acme["account"] as? [String: Any])?["status"] as? String == "active")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "a scheduled run: no token, the answer in the log, one embedded-metric line per dependency and one for the tenants"
    )
    func scheduled() throws {
        let api = try F()
        let event =
            #"{"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-27T10:00:00Z","region":"us-east-1","resources":[],"detail":{}}"#
        let result = try Self.scheduledRun(api.environment)
        let metrics = Self.metrics(result.stderrText)
        let dependencies = metrics.filter { $0["Dependency"] != nil }
        #expect(Set(dependencies.compactMap { $0["Dependency"] as? String }) == ["directory", "cache", "twilio"])
        #expect(dependencies.allSatisfy { $0["Status"] is NSNumber })
        let tenants = try #require(metrics.first { $0["CompaniesChecked"] != nil })
        // The stand-in's numbers have no webhook URLs, so no call would reach Switchboard.
        #expect(
            tenants["CompaniesChecked"] as? Int == 4 && tenants["CompaniesDown"] as? Int == 4,
            "\(tenants) \(result.stderrText)")
        #expect(tenants["OldestCheckAgeSeconds"] is NSNumber && tenants["CompaniesNeverChecked"] as? Int == 0)
        #expect(result.stderrText.contains("health.checked") && result.stderrText.contains("health.swept"))
        // Voice refuses such an event: it answers HTTP only.
        let voice = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: Data(event.utf8), environment: api.environment)
        #expect(voice.stdoutText.contains("Runtime.UnsupportedEvent"))
    }

    @Test("switchboard health: the same checks as a table (no colour into a pipe), exit 0 or 1; --json the report")
    func command() throws {
        let api = try F()
        let tool = ExampleData.executable("switchboard")
        let fine = try ProcessRunner.run(tool, ["health"], environment: api.environment)
        #expect(fine.status == 0, "\(fine.stdoutText)\(fine.stderrText)")
        #expect(
            fine.stdoutText.contains("DEPENDENCY") && fine.stdoutText.contains("twilio")
                && fine.stdoutText.contains("company:Acme Dental Group"))
        #expect(!fine.stdoutText.contains("\u{1B}["))
        try api.twilio.addAccount("AC05bdef0d221517e1d93f0d0c6b40255d", token: "00000000000000000000000000000001")
        let sweep = try ProcessRunner.run(tool, ["health", "--sweep"], environment: api.environment)
        #expect(sweep.status == 0, "\(sweep.stdoutText)\(sweep.stderrText)")
        #expect(
            sweep.stdoutText.contains("checked 4 companies") && sweep.stdoutText.contains("DOWN: 4"),
            "\(sweep.stdoutText)")
        #expect(
            sweep.stdoutText.contains("Acme Dental Group [\(F.acme)]: Twilio refused its credentials (HTTP 401)"),
            "\(sweep.stdoutText)")
        let down = try ProcessRunner.run(tool, ["health", "--scope", "all", "--json"], environment: api.environment)
        #expect(down.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: down.stdout) as? [String: Any])
        #expect(report["overall"] as? String == "DOWN")
        let companies = try #require(report["companies"] as? [[String: Any]])
        #expect(
            companies.count == 4 && companies.first?["companyId"] as? String == F.acme
                && companies.first?["status"] as? String == "DOWN")
        let table = try ProcessRunner.run(
            tool, ["health", "--scope", "all", "--status", "DOWN"], environment: api.environment)
        #expect(
            table.stdoutText.contains("companies: 4 (4 configured), checked 4, never checked 0, DOWN 4"),
            "\(table.stdoutText)")
        #expect(
            table.stdoutText.contains("Acme Dental Group [\(F.acme)]: DOWN")
                && table.stdoutText.contains("no Voice URL is set"))
        #expect(
            ExampleData.leakedSecrets(
                in: down.stdout + down.stderr + fine.stdout + sweep.stdout + sweep.stderr + table.stdout
            ).isEmpty)
    }
}
