import FoundationEssentials
import HTTPDriver

#if canImport(Glibc)
import Glibc
#endif

/// `scale`: the health of many companies. On the embedded store, with the Twilio stand-in
/// answering each request in 120 ms (a round trip to Twilio from a Lambda region), for
/// 300 and 20,000 companies of one to three numbers each (Tests/Support/many_companies.py):
/// - seeding them with `switchboard seed`;
/// - Health without a scope (the platform check, one indexed read for its company) and
///   `?scope=all`'s first page (read from the stored results), one-shot, p50 of 30 runs;
/// - one full sweep, `switchboard health --sweep` at the default concurrency: its wall
///   time, companies per second and peak RSS.
/// Then the same sweep over 2,000 companies on the MongoDB test server, for correctness
/// only (that server is Python: no figure of it is MongoDB's): every company checked once.
func scaleBenchmark(_ options: Options, environment: [String: String]) throws(BenchError) {
    guard let python = options.python else {
        print("scale: skipped (pass --python with the test venv's)")
        return
    }
    let standIn = try BenchStandIn(python: python)
    defer { standIn.stop() }
    print("scale: company health with the Twilio stand-in answering in 120 ms, default sweep concurrency (16):")
    for count in [300, 20_000] {
        try scaleRound(options, count: count, python: python, standIn: standIn, environment: environment, store: nil)
    }
    let mongo = try BenchMongoServer(python: python, script: "Tests/Support/mongo_wire_server.py")
    defer { mongo.stop() }
    try scaleRound(
        options, count: 2_000, python: python, standIn: standIn, environment: environment, store: mongo.uri + "/scale")
}

/// One N: seed, measure, sweep, measure again.
private func scaleRound(
    _ options: Options, count: Int, python: String, standIn: BenchStandIn, environment: [String: String], store: String?
) throws(BenchError) {
    let folder = "/tmp/switchboard-bench-\(getpid())-scale-\(count)"
    mkdir(folder, 0o700)
    let companies = folder + "/companies.json"
    let event = folder + "/event.json"
    let page = folder + "/page.json"
    defer {
        for name in [
            "companies.json", "event.json", "page.json", "store.sqlite", "store.sqlite-wal", "store.sqlite-shm",
        ] { unlink(folder + "/" + name) }
        rmdir(folder)
    }
    try standIn.reset()
    let made = try runBatch(
        python, ["Tests/Support/many_companies.py", "\(count)", companies, "--standin", standIn.url],
        environment: ["PATH": "/usr/bin:/bin"], input: "/dev/null")
    guard made.status == 0 else {
        throw BenchError("many_companies.py failed: \(String(decoding: made.errors, as: UTF8.self))")
    }
    var settings = environment
    settings["SWITCHBOARD_STORE"] = store ?? "sqlite:\(folder)/store.sqlite"
    settings["TWILIO_API_BASE"] = standIn.url
    settings["SWITCHBOARD_PUBLIC_URL"] = "https://calls.example.com"
    settings["SWITCHBOARD_ADMIN_SECRET"] = "switchboard-bench-admin-secret-0123456789abcdef"
    settings["LOG_LEVEL"] = "error"
    let storeName = store == nil ? "embedded store" : "MongoDB test server (correctness only)"
    let seeded = try runBatch(
        options.bin + "/switchboard", ["seed", companies], environment: settings, input: "/dev/null")
    guard seeded.status == 0 else {
        throw BenchError("switchboard seed failed: \(String(decoding: seeded.errors, as: UTF8.self).suffix(300))")
    }
    print("   \(count) companies, \(storeName): seeded in \(seconds(seeded.nanoseconds)) s")
    try standIn.setLatency(milliseconds: 120)

    let token = try runBatch(
        options.bin + "/switchboard", ["token", "--role", "admin", "--subject", "bench@switchboard"],
        environment: settings, input: "/dev/null")
    let bearer = String(decoding: token.replies.filter { $0 > 0x20 }, as: UTF8.self)
    try writeFile(event, healthEvent(query: "", token: bearer))
    try writeFile(page, healthEvent(query: "scope=all", token: bearer))
    if store == nil {
        print("   Health without scope, one-shot: \(try oneShots(options, event: event, environment: settings))")
    }

    let before = try standIn.requestCount()
    let sweep = try runBatch(
        options.bin + "/switchboard", ["health", "--sweep"], environment: settings, input: "/dev/null",
        sampleMemory: true)
    let summary = String(decoding: sweep.replies, as: UTF8.self)
    guard sweep.status == 0, summary.contains("checked \(count) companies") else {
        throw BenchError(
            "the sweep of \(count) companies did not check them all: \(summary.prefix(400)) \(String(decoding: sweep.errors, as: UTF8.self).suffix(400))"
        )
    }
    let elapsed = Double(sweep.nanoseconds) / 1e9
    let fetches = try standIn.accountFetches(from: before)
    let once = fetches.count == count && fetches.values.allSatisfy { $0 == 1 }
    if store == nil {
        print(
            "   one full sweep: \(seconds(sweep.nanoseconds)) s, \(Int(Double(count) / elapsed)) companies/s, peak RSS \(sweep.peakRSSKilobytes / 1_024) MB"
                + (once ? "" : " — NOT every account fetched exactly once"))
        if count >= 10_000 { print("   " + roundAtScale(companiesPerSecond: Double(count) / elapsed)) }
        print(
            "   ?scope=all first page (50, from the stored results), one-shot: \(try oneShots(options, event: page, environment: settings))"
        )
    } else {
        print(
            "   one full sweep: "
                + (once
                    ? "every one of the \(count) companies checked exactly once"
                    : "FAILED: \(fetches.count) accounts fetched, not each once"))
    }
}

/// What the measured rate gives at 100,000 companies with the template's cadence: a pass a
/// minute, 50 s long, of which the sweep has 31 s (announcements and retention used their
/// whole shares) to 48 s (they had nothing to do, the platform check took 2 s).
func roundAtScale(companiesPerSecond rate: Double, companies: Int = 100_000) -> String {
    let most = Int(rate * 48)
    let least = Int(rate * 31)
    let fastest = (companies + most - 1) / max(1, most)
    let slowest = (companies + least - 1) / max(1, least)
    return "at \(companies) companies, a pass a minute (50 s, 31-48 s of checks): \(least)-\(most) companies a pass, "
        + "a full round in \(fastest)-\(slowest) minutes"
        + (slowest <= 60 ? " (within the hour)" : " — MORE than an hour: raise SweepConcurrency")
}

/// p50 and p99 of 30 one-shot Health runs on `event` (after 3 not counted).
private func oneShots(_ options: Options, event: String, environment: [String: String]) throws(BenchError) -> String {
    var durations: [UInt64] = []
    for index in 0..<33 {
        let run = try runBatch(options.bin + "/Health", [], environment: environment, input: event)
        guard run.status == 0, String(decoding: run.replies, as: UTF8.self).contains(#""statusCode":200"#) else {
            throw BenchError("Health did not answer 200: \(String(decoding: run.replies, as: UTF8.self).prefix(300))")
        }
        if index >= 3 { durations.append(run.nanoseconds) }
    }
    return milliseconds(durations.sorted())
}

private func healthEvent(query: String, token: String) -> String {
    #"{"version":"2.0","routeKey":"GET /api/admin/notifications/dependency-health","rawPath":"/api/admin/notifications/dependency-health","rawQueryString":"\#(query)","headers":{"authorization":"Bearer \#(token)","host":"api.example.com"},"requestContext":{"domainName":"api.example.com","http":{"method":"GET","path":"/api/admin/notifications/dependency-health"},"requestId":"bench"},"isBase64Encoded":false}"#
}

private func seconds(_ nanoseconds: UInt64) -> String {
    let tenths = Int((Double(nanoseconds) / 1e8).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

private func writeFile(_ path: String, _ text: String) throws(BenchError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { throw BenchError("cannot write \(path)") }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

/// The Twilio stand-in (Tests/Support/twilio_standin.py) on a free port, driven through
/// its control routes.
final class BenchStandIn {
    let port: Int
    private let child: ChildProcess
    private let http: CurlHTTPClient

    var url: String { "http://127.0.0.1:\(port)" }

    init(python: String) throws(BenchError) {
        port = try freePort()
        child = try ChildProcess(
            path: python, arguments: ["Tests/Support/twilio_standin.py", "\(port)"],
            environment: ["PATH": "/usr/bin:/bin"])
        do { http = try CurlHTTPClient() } catch { throw BenchError("cannot make an HTTP client: \(error)") }
        var reader = ReplyReader(descriptor: child.stdout)
        guard let line = reader.next(), String(decoding: line, as: UTF8.self).contains("listening") else {
            throw BenchError("the Twilio stand-in did not start")
        }
    }

    func reset() throws(BenchError) { _ = try control("POST", "reset", "{}") }

    func setLatency(milliseconds: Int) throws(BenchError) {
        _ = try control("POST", "latency", #"{"ms":\#(milliseconds)}"#)
    }

    /// Every request the stand-in has answered so far.
    private func requests() throws(BenchError) -> [[String: String?]] {
        let body = try control("GET", "requests", nil)
        guard let requests = try? JSONDecoder().decode([[String: String?]].self, from: Data(body)) else {
            throw BenchError("the stand-in's request log is not readable")
        }
        return requests
    }

    /// How many requests the stand-in has answered so far.
    func requestCount() throws(BenchError) -> Int { try requests().count }

    /// How often each account was fetched, from the request numbered `start` on.
    func accountFetches(from start: Int) throws(BenchError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for request in try requests().dropFirst(start) {
            guard let path = request["path"] ?? nil, path.hasSuffix(".json"), !path.contains("/IncomingPhoneNumbers")
            else { continue }
            counts[String(path.dropFirst("/2010-04-01/Accounts/".count).dropLast(".json".count)), default: 0] += 1
        }
        return counts
    }

    private func control(_ method: String, _ route: String, _ body: String?) throws(BenchError) -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try http.send(
                method, "\(url)/__standin/\(route)", headers: ["Content-Type": "application/json"],
                body: body.map { Array($0.utf8) }, timeoutMilliseconds: 60_000)
        } catch {
            throw BenchError("the stand-in did not answer \(method) \(route): \(error)")
        }
        guard response.status < 300 else {
            throw BenchError("the stand-in refused \(method) \(route): HTTP \(response.status)")
        }
        return response.body
    }

    func stop() {
        kill(child.pid, SIGKILL)
        child.finish()
    }
}
