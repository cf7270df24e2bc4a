import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// The example companies in a fresh store (embedded, or a database of the MongoDB test
/// server), the Twilio stand-in knowing their accounts and numbers, and the admin
/// functions run one-shot as Lambda would run them.
final class AdminAPIFixture: @unchecked Sendable {
    static let adminSecret = "switchboard-e2e-admin-secret-0123456789abcdef"
    static let acme = "65a1f0c2e4b0a1a2b3c4d5e1"
    static let birch = "65a1f0c2e4b0a1a2b3c4d5e2"
    static let cedar = "65a1f0c2e4b0a1a2b3c4d5e3"
    static let dune = "65a1f0c2e4b0a1a2b3c4d5e4"

    let store: SeededStore
    let twilio: TwilioStandIn
    let backend: String
    private(set) var environment: [String: String]
    /// Every admin response, for the OpenAPI check.
    private var exchanges: [[String: Any]] = []
    private let lock = NSLock()

    /// - Parameter backend: `sqlite` or `mongodb`.
    /// - Parameter numberSettings: how the stand-in's numbers are set up (`voice_url`, …), by number.
    init(
        backend: String = "sqlite", extraEnvironment: [String: String] = [:],
        numberSettings: [String: [String: String]] = [:]
    ) throws {
        self.backend = backend
        twilio = try TwilioStandIn()
        var extra = [
            "SWITCHBOARD_ADMIN_SECRET": Self.adminSecret, "TWILIO_API_BASE": twilio.baseURL,
            "TWILIO_MESSAGING_API_BASE": twilio.baseURL,
            "SWITCHBOARD_TWILIO_TIMEOUT_MS": "1500",
        ]
        if backend == "mongodb" {
            extra["SWITCHBOARD_STORE"] = try MongoTestServer.freshDatabaseURI(prefix: "switchboard_e2e_")
        }
        extra.merge(extraEnvironment) { _, new in new }
        store = try SeededStore(extraEnvironment: extra)
        environment = store.environment
        for company in try Self.exampleCompanies() {
            let config = company["twilioConfig"] as? [String: Any] ?? [:]
            guard let sid = config["accountSid"] as? String, let token = config["authToken"] as? String else {
                continue
            }
            try twilio.addAccount(sid, token: token)
            let numbers =
                ((config["phoneNumbers"] as? [[String: Any]]) ?? []).compactMap { $0["phoneNumber"] as? String }
                + [config["phoneNumber"] as? String].compactMap { $0?.replacingOccurrences(of: "-", with: "") }
            for number in numbers {
                try twilio.addNumber(number, account: sid, settings: numberSettings[number] ?? [:])
            }
        }
    }

    static func exampleCompanies() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: ExampleData.companiesFile)) as? [[String: Any]] ?? []
    }

    /// The example company's auth token and Account SID.
    static func credentials(of id: String) throws -> (sid: String, token: String) {
        let company = try #require(try exampleCompanies().first { ($0["_id"] as? String) == id })
        let config = company["twilioConfig"] as? [String: Any] ?? [:]
        return (config["accountSid"] as? String ?? "", config["authToken"] as? String ?? "")
    }

    func setEnvironment(_ name: String, _ value: String?) {
        environment[name] = value
    }

    /// A token `switchboard token` prints.
    func token(_ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["token"] + arguments, environment: environment)
        guard result.status == 0 else { throw TestSetupError("switchboard token failed: \(result.stderrText)") }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func adminToken() throws -> String { try token(["--role", "admin", "--subject", "ops@example.com"]) }

    func companyToken(_ id: String) throws -> String {
        try token(["--role", "company", "--company", id, "--subject", "owner@\(id)"])
    }

    /// Runs `function` one-shot on the request; the response, what it logged.
    @discardableResult
    func call(
        _ function: String, _ method: String, _ path: String, query: String = "", token: String?, body: String? = nil,
        headers extra: [String: String] = [:], environment override: [String: String] = [:], documented: Bool = true
    ) throws -> (response: HTTPResponse, log: String) {
        var headers = ["host": "api.example.com"]
        if let token { headers["authorization"] = "Bearer " + token }
        if body != nil { headers["content-type"] = "application/json" }
        headers.merge(extra) { _, new in new }
        // As API Gateway does: every /api/companies/{companyId}/… route carries the id as a path parameter.
        var parameters: [String: String]?
        let segments = path.split(separator: "/")
        if segments.count >= 4, segments[0] == "api", segments[1] == "companies" {
            parameters = ["companyId": String(segments[2])]
        }
        let event = HTTPEvent(
            method: method, rawPath: path, rawQueryString: query, headers: headers, body: body,
            domainName: "api.example.com", pathParameters: parameters, requestId: "e2e-\(UUID().uuidString.prefix(8))")
        let result = try ProcessRunner.run(
            ExampleData.executable(function), input: try JSONEncoder().encode(event),
            environment: environment.merging(override) { _, new in new })
        let response = try #require(
            try? JSONDecoder().decode(HTTPResponse.self, from: result.stdout),
            "\(function) answered \(result.stdoutText) \(result.stderrText)")
        if documented {
            lock.withLock {
                exchanges.append([
                    "method": method, "path": path, "query": query, "status": response.statusCode,
                    "headers": response.headers, "body": response.body,
                ])
            }
        }
        for line in result.stderrText.split(separator: "\n") {
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil,
                "log line is not JSON: \(line.prefix(200))")
        }
        return (response, result.stderrText)
    }

    func get(_ id: String, token: String?) throws -> HTTPResponse {
        try call("ConfigGet", "GET", "/api/companies/\(id)/twilio/config", token: token).response
    }

    func put(_ id: String, _ body: String, query: String = "", token: String?, headers: [String: String] = [:]) throws
        -> HTTPResponse
    {
        try call(
            "ConfigPut", "PUT", "/api/companies/\(id)/twilio/config", query: query, token: token, body: body,
            headers: headers
        ).response
    }

    /// The stored document of company `id`, exactly as the store holds it.
    func storedDocument(_ id: String) throws -> String {
        let code: String
        if backend == "sqlite" {
            code =
                "import sqlite3, sys\nrow = sqlite3.connect(sys.argv[1]).execute('SELECT document FROM companies WHERE id = ?', (sys.argv[2],)).fetchone()\nprint(row[0] if row else '')"
            let result = try ProcessRunner.run(
                try TestPaths.python(), ["-c", code, store.storePath, id], environment: ["PATH": "/usr/bin:/bin"])
            return result.stdoutText
        }
        code =
            "import sys, pymongo\nfrom bson import json_util, ObjectId\nc = pymongo.MongoClient(sys.argv[1]).get_default_database().v2companies\nprint(json_util.dumps(c.find_one({'_id': ObjectId(sys.argv[2])})))"
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, environment["SWITCHBOARD_STORE"] ?? "", id],
            environment: ["PATH": "/usr/bin:/bin"])
        return result.stdoutText
    }

    /// Every admin response so far conforms to openapi.yaml (openapi-core).
    func checkAgainstOpenAPI() throws {
        let file = store.folder.appendingPathComponent("responses.jsonl")
        let lines = try lock.withLock {
            try exchanges.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [
                TestPaths.packageRoot.appendingPathComponent("Tests/Support/check_openapi.py").path,
                TestPaths.packageRoot.appendingPathComponent("openapi.yaml").path, file.path,
            ],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(
            result.status == 0, "responses do not conform to openapi.yaml:\n\(result.stdoutText)\(result.stderrText)")
    }

    /// The JSON body of a response.
    static func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            "not a JSON object: \(response.body.prefix(200))")
    }
}
