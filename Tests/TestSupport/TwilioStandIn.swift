import Foundation
import HTTPDriver

/// The Twilio REST stand-in (Tests/Support/twilio_standin.py) on a free port, for one
/// test: accounts, numbers and faults are set up through its control routes.
public final class TwilioStandIn: @unchecked Sendable {
    public let port: Int
    private let child: SupervisedProcess
    private let client: CurlHTTPClient
    private let lock = NSLock()

    /// `http://127.0.0.1:<port>`, what `TWILIO_API_BASE` should hold.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the stand-in and waits until it answers.
    public init() throws {
        port = try RedisServer.freePort()
        child = try SupervisedProcess(
            try TestPaths.python(),
            [TestPaths.packageRoot.appendingPathComponent("Tests/Support/twilio_standin.py").path, "\(port)"],
            environment: ["PATH": "/usr/bin:/bin"])
        client = try CurlHTTPClient()
        for _ in 0..<200 {
            if let response = try? client.send(
                "GET", "http://127.0.0.1:\(port)/__standin/requests", timeoutMilliseconds: 500), response.status == 200
            {
                return
            }
            usleep(50_000)
        }
        throw TestSetupError("the Twilio stand-in did not start on \(port): \(child.stop())")
    }

    deinit { child.stop() }

    /// Adds an account with its auth token, status and API keys (`SK…` → secret).
    public func addAccount(_ sid: String, token: String, status: String = "active", keys: [String: String] = [:]) throws
    {
        try control("POST", "accounts", ["sid": sid, "token": token, "status": status, "keys": keys])
    }

    /// Adds a number to an account; returns its `PN…` sid.
    @discardableResult
    public func addNumber(_ phoneNumber: String, account: String, settings: [String: String] = [:]) throws -> String {
        var body: [String: Any] = ["account": account, "phone_number": phoneNumber]
        body.merge(settings) { _, new in new }
        let answer = try control("POST", "numbers", body)
        return (answer as? [String: Any])?["sid"] as? String ?? ""
    }

    /// Gives an account a recording of `seconds` (its audio a real, silent MP3).
    public func addRecording(_ sid: String, account: String, seconds: Int = 3) throws {
        try control("POST", "recordings", ["sid": sid, "account": account, "seconds": seconds])
    }

    /// Gives an account a messaging service, registered for A2P 10DLC or not.
    public func addService(_ sid: String, account: String, registered: Bool) throws {
        try control(
            "POST", "services", ["sid": sid, "account": account, "us_app_to_person_registered": registered])
    }

    /// Makes Twilio refuse messages from `account` to `number` with 21610, as after a STOP.
    public func stop(_ number: String, account: String) throws {
        try control("POST", "stopped", ["account": account, "number": number])
    }

    /// Opens WhatsApp's window at Twilio for `number` writing to `account`.
    public func openWhatsApp(_ number: String, account: String) throws {
        try control("POST", "whatsapp_open", ["account": account, "number": number])
    }

    /// Every recording, with `deleted` once a DELETE removed it.
    public func recordings() throws -> [[String: Any]] {
        try control("GET", "recordings", nil) as? [[String: Any]] ?? []
    }

    /// Injects faults: each is a dictionary as the stand-in's documentation describes
    /// (`match`, `status`, `code`, `retry_after`, `delay_ms`, `hang`, `times`).
    public func inject(_ faults: [[String: Any]]) throws {
        try control("POST", "faults", faults)
    }

    /// Makes every request to Twilio's side wait `milliseconds` first (a region's round
    /// trip); 0 for none.
    public func setLatency(milliseconds: Int) throws {
        try control("POST", "latency", ["ms": milliseconds])
    }

    /// Every request the stand-in received: method, path, query, Basic user name.
    public func requests() throws -> [[String: Any]] {
        try control("GET", "requests", nil) as? [[String: Any]] ?? []
    }

    /// Every number and its settings, as Twilio would describe it.
    public func numbers() throws -> [[String: Any]] {
        try control("GET", "numbers", nil) as? [[String: Any]] ?? []
    }

    /// Every message sent.
    public func messages() throws -> [[String: Any]] {
        try control("GET", "messages", nil) as? [[String: Any]] ?? []
    }

    /// Every call placed, with its TwiML and status callback.
    public func calls() throws -> [[String: Any]] {
        try control("GET", "calls", nil) as? [[String: Any]] ?? []
    }

    /// Every SharedKey (with its secret), Setting and Rule of the Webhooks configuration
    /// API, by account, as JSON text.
    public func webhooksState() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let response = try client.send("GET", "\(baseURL)/__standin/webhooks", timeoutMilliseconds: 5_000)
        return String(decoding: response.body, as: UTF8.self)
    }

    /// Deletes a Webhook Rule as someone in Twilio's console would, with an API key of its account.
    public func deleteWebhookRule(account: String, apiKey: String, secret: String, id: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let authorization = "Basic " + Data("\(apiKey):\(secret)".utf8).base64EncodedString()
        let response = try client.send(
            "DELETE", "\(baseURL)/v1/Webhooks/Rules/\(id)", headers: ["Authorization": authorization],
            timeoutMilliseconds: 5_000)
        guard response.status < 300 else { throw TestSetupError("deleting Rule \(id): HTTP \(response.status)") }
    }

    /// Posts the status callbacks of call or message `sid` to its `StatusCallback`, one
    /// per status, signed with its account's auth token as Twilio signs them; the HTTP
    /// status each got.
    @discardableResult
    public func progress(_ sid: String, _ statuses: [String], duration: Int? = nil, errorCode: String? = nil) throws
        -> [Int]
    {
        var body: [String: Any] = ["sid": sid, "statuses": statuses]
        if let duration { body["duration"] = duration }
        if let errorCode {
            body["error_code"] = errorCode
            body["error_message"] = "Unreachable destination handset"
        }
        return (try control("POST", "progress", body) as? [String: Any])?["answers"] as? [Int] ?? []
    }

    @discardableResult
    private func control(_ method: String, _ route: String, _ body: Any?) throws -> Any? {
        lock.lock()
        defer { lock.unlock() }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try client.send(
            method, "\(baseURL)/__standin/\(route)", headers: ["Content-Type": "application/json"],
            body: data.map { Array($0) }, timeoutMilliseconds: 30_000)
        guard response.status < 300 else { throw TestSetupError("stand-in \(route): HTTP \(response.status)") }
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }
}
