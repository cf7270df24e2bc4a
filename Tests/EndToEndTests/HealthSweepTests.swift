import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Many companies in a fresh store (embedded, or a database of the MongoDB test server),
/// each with its own account and numbers at the Twilio stand-in
/// (Tests/Support/many_companies.py), every number's webhooks pointing at this
/// deployment, so a sweep finds them HEALTHY until a test breaks one.
final class ManyCompanies: @unchecked Sendable {
    let twilio: TwilioStandIn
    let folder: URL
    let environment: [String: String]
    /// The companies as seeded: id, name, Account SID.
    let companies: [(id: String, name: String, sid: String)]
    /// Their auth tokens, in clear: none may be printed, logged or stored unsealed.
    let tokens: [String]

    init(_ count: Int, backend: String = "sqlite", extraEnvironment: [String: String] = [:]) throws {
        twilio = try TwilioStandIn()
        folder = try TestPaths.temporaryFolder()
        let file = folder.appendingPathComponent("companies.json")
        let made = try ProcessRunner.run(
            try TestPaths.python(),
            [
                TestPaths.packageRoot.appendingPathComponent("Tests/Support/many_companies.py").path, "\(count)",
                file.path, "--standin", twilio.baseURL,
            ],
            environment: ["PATH": "/usr/bin:/bin"])
        guard made.status == 0 else { throw TestSetupError("many_companies.py: \(made.stderrText)") }
        var key = [UInt8](repeating: 0, count: 32)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        var environment = [
            "PATH": "/usr/bin:/bin", "HOME": folder.path, "LOG_LEVEL": "info",
            "SWITCHBOARD_STORE": "sqlite:" + folder.appendingPathComponent("switchboard.sqlite").path,
            "SWITCHBOARD_DATA_KEY": Data(key).base64EncodedString(),
            "SWITCHBOARD_ADMIN_SECRET": AdminAPIFixture.adminSecret,
            "TWILIO_API_BASE": twilio.baseURL, "SWITCHBOARD_PUBLIC_URL": "https://calls.example.com",
            "SWITCHBOARD_TWILIO_TIMEOUT_MS": "1500",
        ]
        if backend == "mongodb" {
            environment["SWITCHBOARD_STORE"] = try MongoTestServer.freshDatabaseURI(prefix: "switchboard_sweep_")
        }
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
        let seeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", file.path], environment: environment)
        guard seeded.status == 0 else { throw TestSetupError("switchboard seed: \(seeded.stderrText)") }
        let decoded = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [[String: Any]] ?? []
        companies = decoded.map { company in
            let config = company["twilioConfig"] as? [String: Any] ?? [:]
            return (
                company["_id"] as? String ?? "", company["companyName"] as? String ?? "",
                config["accountSid"] as? String ?? ""
            )
        }
        tokens = decoded.compactMap { ($0["twilioConfig"] as? [String: Any])?["authToken"] as? String }
    }

    /// `switchboard <arguments>` with this store's settings.
    func tool(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"), arguments, environment: environment.merging(extra) { _, new in new })
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
        return result
    }

    /// The auth tokens among the first `sample` that appear in `data` in clear.
    func leakedTokens(in data: Data, sample: Int = 200) -> [String] {
        tokens.prefix(sample).filter { data.range(of: Data($0.utf8)) != nil }
    }

    /// The embedded store's file and its write-ahead log, as bytes.
    func storeBytes() throws -> Data {
        let path = String(environment["SWITCHBOARD_STORE"]!.dropFirst("sqlite:".count))
        return try [path, path + "-wal"].reduce(into: Data()) { bytes, file in
            if let contents = FileManager.default.contents(atPath: file) { bytes += contents }
        }
    }

    /// How often each account was fetched (`GET /Accounts/{sid}.json`) in the requests
    /// from `start` on.
    func accountFetches(from start: Int = 0) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for request in try twilio.requests().dropFirst(start) {
            guard let path = request["path"] as? String, path.hasSuffix(".json"),
                !path.contains("/IncomingPhoneNumbers")
            else { continue }
            let sid = String(path.dropFirst("/2010-04-01/Accounts/".count).dropLast(".json".count))
            counts[sid, default: 0] += 1
        }
        return counts
    }

    /// The ids the store holds a check for (the embedded store, read by Python's sqlite3).
    func checkedIDs() throws -> [String: String] {
        let code =
            "import sqlite3, sys, json\nc = sqlite3.connect(sys.argv[1])\nprint(json.dumps(dict(c.execute('SELECT company_id, checked_at FROM company_health WHERE checked_at IS NOT NULL').fetchall())))"
        let path = String(environment["SWITCHBOARD_STORE"]!.dropFirst("sqlite:".count))
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, path], environment: ["PATH": "/usr/bin:/bin"])
        return try JSONSerialization.jsonObject(with: result.stdout) as? [String: String] ?? [:]
    }
}

/// The rolling sweep end to end: the built `Health` and `switchboard health --sweep` over
/// many companies, against the Twilio stand-in.
@Suite("Health sweep end to end")
struct HealthSweepTests {
    typealias F = AdminAPIFixture

    /// The dependency check with `?scope=all` and `query`, as a platform admin.
    static func results(_ environment: [String: String], query: String = "") throws -> [String: Any] {
        let token = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["token", "--role", "admin", "--subject", "ops@example.com"],
            environment: environment
        )
        .stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let event = HTTPEvent(
            method: "GET", rawPath: HealthTests.path, rawQueryString: "scope=all" + (query.isEmpty ? "" : "&" + query),
            headers: ["authorization": "Bearer " + token], body: nil, domainName: "api.example.com",
            requestId: "sweep-test")
        let result = try ProcessRunner.run(
            ExampleData.executable("Health"), input: try JSONEncoder().encode(event), environment: environment)
        let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any], "\(response.body)")
    }

    @Test(
        "2,000 companies in several budget-bounded passes: every one checked exactly once in the round, all HEALTHY, and pages read while another sweep writes neither repeat nor skip one"
    )
    func everyCompanyOnce() throws {
        let many = try ManyCompanies(
            2_000,
            extraEnvironment: [
                "SWITCHBOARD_SWEEP_BUDGET_MS": "1500", "SWITCHBOARD_TWILIO_TIMEOUT_MS": "800",
                "SWITCHBOARD_SWEEP_CONCURRENCY": "16",
            ])
        try many.twilio.setLatency(milliseconds: 20)
        let sweep = try many.tool(["health", "--sweep"])
        #expect(sweep.status == 0, "\(sweep.stdoutText)\(sweep.stderrText)")
        #expect(
            sweep.stdoutText.contains("checked 2000 companies") && sweep.stdoutText.contains("DOWN: 0"),
            "\(sweep.stdoutText)")
        let passes = sweep.stdoutText.firstMatch(of: /\((\d+) passes/).flatMap { Int($0.1) } ?? 1
        #expect(passes > 1, "the sweep fitted in one pass: \(sweep.stdoutText)")
        let fetches = try many.accountFetches()
        #expect(
            fetches.count == 2_000 && fetches.values.allSatisfy { $0 == 1 },
            "accounts fetched other than once: \(fetches.filter { $0.value != 1 }.prefix(5))")
        #expect(Set(fetches.keys) == Set(many.companies.map(\.sid)))

        let first = try Self.results(many.environment)
        let summary = try #require(first["summary"] as? [String: Any])
        #expect(
            summary["companies"] as? Int == 2_000 && summary["checked"] as? Int == 2_000
                && summary["neverChecked"] as? Int == 0)
        #expect(summary["down"] as? Int == 0 && summary["degraded"] as? Int == 0, "\(summary)")

        // Another round rewrites every record while the pages are read: slower, so that it
        // is still writing when the last page is read, and under way before the first.
        let firstRound = try many.checkedIDs()
        let lastOfFirstRound = firstRound.values.max() ?? ""
        try many.twilio.setLatency(milliseconds: 200)
        var writing = many.environment
        writing["SWITCHBOARD_SWEEP_BUDGET_MS"] = "60000"
        let writer = try SupervisedProcess(
            ExampleData.executable("switchboard"), ["health", "--sweep"], environment: writing)
        defer { writer.stop() }
        for _ in 0..<200 where !(try many.checkedIDs().values.contains { $0 > lastOfFirstRound }) { usleep(50_000) }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try Self.results(many.environment, query: "limit=200" + (cursor.map { "&after=" + $0 } ?? ""))
            seen += (page["companies"] as? [[String: Any]] ?? []).compactMap { $0["companyId"] as? String }
            cursor = page["next"] as? String
            pages += 1
        } while cursor != nil && pages < 20
        #expect(writer.process.isRunning, "the second sweep ended before the pages were read")
        let rewritten = try many.checkedIDs().filter { $0.value > lastOfFirstRound }.count
        #expect(rewritten > 0 && rewritten < 2_000, "\(rewritten) records rewritten while the pages were read")
        #expect(seen.count == 2_000 && Set(seen).count == 2_000, "\(seen.count) read, \(Set(seen).count) distinct")
        #expect(Set(seen) == Set(many.companies.map(\.id)))
        writer.stop()
        // No company's token in clear in what the sweep printed, the pages, or the store.
        let pagesText = Data(try JSONSerialization.data(withJSONObject: first))
        #expect(many.leakedTokens(in: sweep.stdout + sweep.stderr + pagesText + (try many.storeBytes())).isEmpty)
    }

    @Test(
        "a sweep killed with SIGKILL half-way loses no stored result, and the next pass goes on with the companies it had not reached"
    )
    func killedMidway() throws {
        let many = try ManyCompanies(
            400, extraEnvironment: ["SWITCHBOARD_SWEEP_CONCURRENCY": "4", "SWITCHBOARD_TWILIO_TIMEOUT_MS": "800"])
        try many.twilio.setLatency(milliseconds: 60)
        let sweep = try SupervisedProcess(
            ExampleData.executable("switchboard"), ["health", "--sweep"], environment: many.environment)
        var before: [String: String] = [:]
        for _ in 0..<300 where before.count < 60 {
            usleep(100_000)
            before = try many.checkedIDs()
        }
        sweep.stop()
        let kept = try many.checkedIDs()
        #expect(kept.count >= 60 && kept.count < 400, "\(kept.count) checked when the sweep was killed")
        for (id, checkedAt) in before { #expect(kept[id] == checkedAt, "\(id)'s stored check changed or went") }

        // The next pass, too short to reach them all, checks only companies not yet
        // checked: every stored check stays as it was.
        let next = try HealthTests.scheduledRun(
            many.environment,
            adding: [
                "SWITCHBOARD_SWEEP_BUDGET_MS": "2000", "SWITCHBOARD_SWEEP_CONCURRENCY": "4",
            ])
        let after = try many.checkedIDs()
        #expect(
            after.count > kept.count && after.count < 400,
            "\(after.count) checked after the next pass: \(next.stderrText.suffix(1_000))")
        for (id, checkedAt) in kept { #expect(after[id] == checkedAt, "the next pass checked \(id) again") }
    }

    @Test(
        "Twilio hanging for every company: a pass ends within its budget, the checks in flight stored DOWN as timed out"
    )
    func twilioHangs() throws {
        let many = try ManyCompanies(
            60,
            extraEnvironment: [
                "SWITCHBOARD_SWEEP_BUDGET_MS": "3000", "SWITCHBOARD_TWILIO_TIMEOUT_MS": "1000",
                "SWITCHBOARD_SWEEP_CONCURRENCY": "8",
            ])
        try many.twilio.inject([["match": "/2010-04-01/", "hang": true, "delay_ms": 30_000, "times": 100_000]])
        let started = Date()
        let run = try HealthTests.scheduledRun(many.environment)
        let elapsed = Date().timeIntervalSince(started)
        // The platform check (its own 5 s deadline) runs first, then the 3 s pass.
        #expect(elapsed < 5 + 3 + 3, "the scheduled run took \(elapsed) s")
        let checked = try many.checkedIDs()
        #expect(checked.count >= 8 && checked.count < 60, "\(checked.count) checked")
        let down = try Self.results(many.environment, query: "status=DOWN&limit=200")
        let records = down["companies"] as? [[String: Any]] ?? []
        #expect(records.count == checked.count)
        for record in records {
            #expect(
                (record["problems"] as? [String])?.first?.contains("did not answer within 1000 ms") == true, "\(record)"
            )
        }
        #expect(run.stderrText.contains("health.swept"))
    }

    @Test(
        "a ConfigPut makes its company due first: the next pass checks it before every other",
        arguments: ["sqlite", "mongodb"])
    func changedCompanyFirst(backend: String) throws {
        let voice = "https://calls.example.com/api/twilio/voice"
        let sms = "https://calls.example.com/api/twilio/sms"
        func status(_ company: String) -> [String: String] {
            ["voice_url": voice, "sms_url": sms, "status_callback": voice + "/status?companyId=" + company]
        }
        let api = try F(
            backend: backend, extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"],
            numberSettings: [
                "+15550100001": status(F.acme), "+15550100002": status(F.acme), "+15550200001": status(F.birch),
                "+15550300001": status(F.cedar), "+15550300002": status(F.cedar), "+15550400001": status(F.dune),
            ])
        let tool = ExampleData.executable("switchboard")
        #expect(
            try ProcessRunner.run(tool, ["health", "--sweep"], environment: api.environment).stdoutText.contains(
                "checked 4 companies"))
        // Cedar, checked neither first nor last, is changed (its whole settings, as PUT takes them).
        let cedarAccount = try F.credentials(of: F.cedar)
        let body =
            #"{"accountSid": "\#(cedarAccount.sid)", "authToken": "\#(cedarAccount.token)", "callRoutingMode": "voicemail", "#
            + #""phoneNumbers": [{"phoneNumber": "+15550300001", "status": "active", "isPrimary": true}, {"phoneNumber": "+15550300002", "status": "active"}]}"#
        let changed = try api.put(F.cedar, body, query: "verify=false", token: try api.adminToken())
        #expect(changed.statusCode == 200, "\(changed.body)")
        let start = try api.twilio.requests().count
        try HealthTests.scheduledRun(api.environment, adding: ["SWITCHBOARD_SWEEP_CONCURRENCY": "1"])
        let paths = try api.twilio.requests().dropFirst(start).compactMap { $0["path"] as? String }.filter {
            !$0.contains("IncomingPhoneNumbers")
        }
        let cedar = cedarAccount.sid
        // The platform check fetches Acme's account first; the sweep's first is Cedar's.
        let acme = try F.credentials(of: F.acme).sid
        #expect(
            paths.first == "/2010-04-01/Accounts/\(acme).json"
                && paths.dropFirst().first == "/2010-04-01/Accounts/\(cedar).json", "\(paths)")
        let report = try Self.results(api.environment)
        #expect(
            (report["summary"] as? [String: Any])?["down"] as? Int == 0
                && (report["summary"] as? [String: Any])?["degraded"] as? Int == 0, "\(report)")
    }

    @Test(
        "broken tenants — rejected credentials, a suspended account, a number the account does not own, a webhook pointing elsewhere — are DOWN, named in the results, the metrics and one log line each, and back to HEALTHY once fixed",
        arguments: ["sqlite", "mongodb"])
    func brokenTenants(backend: String) throws {
        let voice = "https://calls.example.com/api/twilio/voice"
        let sms = "https://calls.example.com/api/twilio/sms"
        func status(_ company: String) -> String { voice + "/status?companyId=" + company }
        let api = try F(
            backend: backend, extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"],
            numberSettings: [
                "+15550100001": ["voice_url": voice, "sms_url": sms, "status_callback": status(F.acme)],
                "+15550100002": ["voice_url": voice, "sms_url": sms, "status_callback": status(F.acme)],
                "+15550200001": ["voice_url": voice, "sms_url": sms, "status_callback": status(F.birch)],
                "+15550300001": ["account": "AC" + String(repeating: "0", count: 32)],
                "+15550300002": ["voice_url": voice, "sms_url": sms, "status_callback": status(F.cedar)],
                "+15550400001": [
                    "voice_url": "https://elsewhere.example.net/voice", "sms_url": sms,
                    "status_callback": status(F.dune),
                ],
            ])
        let acme = try F.credentials(of: F.acme)
        let birch = try F.credentials(of: F.birch)
        try api.twilio.addAccount(acme.sid, token: "00000000000000000000000000000001")
        try api.twilio.addAccount(birch.sid, token: birch.token, status: "suspended")
        let run = try HealthTests.scheduledRun(api.environment)
        let report = try Self.results(api.environment, query: "status=DOWN")
        let down = report["companies"] as? [[String: Any]] ?? []
        #expect(down.compactMap { $0["companyId"] as? String } == [F.acme, F.birch, F.cedar, F.dune], "\(report)")
        func problem(_ id: String) -> String {
            (down.first { $0["companyId"] as? String == id }?["problems"] as? [String])?.first ?? ""
        }
        #expect(problem(F.acme).contains("Twilio refused its credentials (HTTP 401)"))
        #expect(problem(F.birch).contains("its Twilio account is suspended"))
        #expect(problem(F.cedar).contains("+15550300001: the Twilio account does not own this number"))
        #expect(
            problem(F.dune).contains("+15550400001: its Voice URL points somewhere else: set its Voice URL to \(voice)")
        )
        #expect(
            down.allSatisfy {
                $0["consecutiveFailures"] as? Int == 1 && $0["failingSince"] as? String == $0["checkedAt"] as? String
            })
        let tenants = try #require(HealthTests.metrics(run.stderrText).first { $0["CompaniesDown"] != nil })
        #expect(tenants["CompaniesDown"] as? Int == 4 && tenants["CompaniesChecked"] as? Int == 4)
        let changes = run.stderrText.split(separator: "\n").filter { $0.contains("\"health.company_changed\"") }
        #expect(changes.count == 4)
        for name in ["Acme Dental Group", "Birch & Partners Law", "Cedar Plumbing", "Dune Bakery"] {
            #expect(
                changes.contains {
                    $0.contains("\"company.name\":\"\(name)\"") && $0.contains("\"to\":\"DOWN\"")
                        && $0.contains("\"from\":\"UNCHECKED\"")
                }, "\(name)")
        }

        // Birch's account is active again; the next run finds it HEALTHY and says so once.
        try api.twilio.addAccount(birch.sid, token: birch.token)
        let again = try HealthTests.scheduledRun(api.environment)
        let changed = again.stderrText.split(separator: "\n").filter { $0.contains("\"health.company_changed\"") }
        #expect(
            changed.count == 1 && changed.first?.contains("\"company.name\":\"Birch & Partners Law\"") == true
                && changed.first?.contains("\"to\":\"HEALTHY\"") == true, "\(changed)")
        let later = try Self.results(api.environment, query: "status=DOWN")
        #expect(
            (later["companies"] as? [[String: Any]])?.compactMap { $0["companyId"] as? String } == [
                F.acme, F.cedar, F.dune,
            ])
        let acmeNow = (later["companies"] as? [[String: Any]])?.first
        #expect(
            acmeNow?["consecutiveFailures"] as? Int == 2
                && acmeNow?["failingSince"] as? String != acmeNow?["checkedAt"] as? String)
        #expect(ExampleData.leakedSecrets(in: run.stderr + again.stderr).isEmpty)
    }

    @Test(
        "GET /api/companies/{id}/health: checks one company now and stores it; a company token sees its own only, another company's id is a 404; bad query strings are refused by name"
    )
    func oneCompany() throws {
        let api = try F()
        let path = "/api/companies/\(F.acme)/health"
        let own = try api.call("Health", "GET", path, token: try api.companyToken(F.acme)).response
        #expect(own.statusCode == 200, "\(own.body)")
        let record = try F.json(own)
        #expect(
            record["companyId"] as? String == F.acme && record["status"] as? String == "DOWN"
                && record["due"] as? Bool == false)
        #expect((record["account"] as? [String: Any])?["status"] as? String == "active")
        #expect((record["numbers"] as? [[String: Any]])?.map { $0["voice"] as? String } == ["not_set", "not_set"])
        let other = try api.call(
            "Health", "GET", "/api/companies/\(F.birch)/health", token: try api.companyToken(F.acme)
        ).response
        #expect(other.statusCode == 404)
        let missing = try api.call(
            "Health", "GET", "/api/companies/65a1f0c2e4b0a1a2b3c4d5ff/health", token: try api.companyToken(F.acme)
        ).response
        #expect(
            missing.statusCode == 404
                && missing.body == other.body.replacingOccurrences(of: F.birch, with: "65a1f0c2e4b0a1a2b3c4d5ff"))
        #expect(try api.call("Health", "GET", path, token: nil).response.statusCode == 401)
        #expect(
            try api.call("Health", "GET", "/api/companies/not%20an%20id/health", token: try api.adminToken()).response
                .statusCode == 400)
        #expect(
            try api.call("Health", "GET", "/api/companies/../health", token: try api.adminToken(), documented: false)
                .response.statusCode == 400)
        let posted = try api.call("Health", "POST", path, token: try api.adminToken(), documented: false).response
        #expect(posted.statusCode == 405 && posted.headers["allow"] == "GET")
        #expect(
            try api.call("Health", "GET", HealthTests.path, query: "scope=all", token: try api.companyToken(F.acme))
                .response.statusCode == 403)
        let admin = try api.adminToken()
        let stored = try F.json(
            try api.call("Health", "GET", HealthTests.path, query: "scope=all", token: admin).response)
        #expect((stored["summary"] as? [String: Any])?["checked"] as? Int == 1)
        #expect((stored["companies"] as? [[String: Any]])?.first?["companyId"] as? String == F.acme)
        for (query, words) in [
            ("scope=all&limit=0", "limit must be"), ("scope=all&limit=201", "limit must be"),
            ("scope=all&status=HEALTHY", "status must be DOWN or DEGRADED"),
            ("scope=all&after=bm90LWEtY3Vyc29y", "not a cursor"), ("limit=5", "limit goes with scope=all"),
            ("scope=all&limit=abc", "limit must be"), ("scope=all&status=", "status must be DOWN or DEGRADED"),
            ("scope=all&after=" + String(repeating: "A", count: 10_000), "not a cursor"),
            ("scope=all&after=%FF%FE", "not valid UTF-8"),
        ] {
            let refused = try api.call("Health", "GET", HealthTests.path, query: query, token: admin).response
            #expect(refused.statusCode == 400 && refused.body.contains(words), "\(query): \(refused.body)")
        }
        // A cursor of one filter is refused under another.
        let page = try F.json(
            try api.call("Health", "GET", HealthTests.path, query: "scope=all&limit=1", token: admin).response)
        let cursor = try #require(page["next"] as? String)
        let mixed = try api.call(
            "Health", "GET", HealthTests.path, query: "scope=all&status=DOWN&after=" + cursor, token: admin
        ).response
        #expect(mixed.statusCode == 400 && mixed.body.contains("another status filter"))
        let next = try F.json(
            try api.call("Health", "GET", HealthTests.path, query: "scope=all&limit=1&after=" + cursor, token: admin)
                .response)
        #expect((next["companies"] as? [[String: Any]])?.first?["companyId"] as? String == F.birch)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "a deleted company's health goes: at once on the embedded store, at the sweep's next visit on MongoDB",
        arguments: ["sqlite", "mongodb"])
    func deletedCompany(backend: String) throws {
        let api = try F(backend: backend)
        let tool = ExampleData.executable("switchboard")
        _ = try ProcessRunner.run(tool, ["health", "--sweep"], environment: api.environment)
        let code: String
        let target: String
        if backend == "sqlite" {
            code =
                "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('PRAGMA foreign_keys = ON')\nc.execute('DELETE FROM companies WHERE id = ?', (sys.argv[2],))\nc.commit()"
            target = api.store.storePath
        } else {
            code =
                "import sys, pymongo\nfrom bson import ObjectId\npymongo.MongoClient(sys.argv[1]).get_default_database().v2companies.delete_one({'_id': ObjectId(sys.argv[2])})"
            target = api.environment["SWITCHBOARD_STORE"] ?? ""
        }
        let deleted = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, target, F.dune], environment: ["PATH": "/usr/bin:/bin"])
        #expect(deleted.status == 0, "\(deleted.stderrText)")
        if backend == "mongodb" {
            let sweep = try ProcessRunner.run(tool, ["health", "--sweep"], environment: api.environment)
            #expect(
                sweep.stdoutText.contains("1 companies are gone from the directory; their health was removed"),
                "\(sweep.stdoutText)")
        }
        let report = try Self.results(api.environment)
        #expect((report["summary"] as? [String: Any])?["companies"] as? Int == 3, "\(report)")
        #expect(!(report["companies"] as? [[String: Any]] ?? []).contains { $0["companyId"] as? String == F.dune })
    }
}
