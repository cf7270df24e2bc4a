#if canImport(Glibc)
import Glibc
#endif

/// Redis over TLS against plain TCP, on the same machine: what a warm Redis hit costs
/// (W1 with the local cache off, so every call asks Redis), and what a process start
/// costs with the cache configured — one-shot and the Lambda cold path, where loading
/// OpenSSL (only for `rediss://`) and the handshake are paid.
func tlsBenchmarks(_ options: Options, events: [[UInt8]], environment: [String: String], plainRedis: BenchRedis) throws
{
    guard let python = options.python else {
        print("TLS: skipped (pass --python with the test venv's, which makes the certificates)")
        return
    }
    let folder = "/tmp/switchboard-bench-\(getpid())-certificates"
    let made = try ChildProcess(
        path: python, arguments: ["Tests/Support/make_certificates.py", folder], environment: ["PATH": "/usr/bin:/bin"])
    guard made.finish() == 0 else { throw BenchError("make_certificates.py failed") }
    let tls = try BenchRedis(certificates: folder)
    defer { tls.stop() }

    for (name, redis) in [("plain", plainRedis), ("TLS", tls)] {
        var settings = environment.merging(redis.environment) { _, new in new }
        settings["SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS"] = "0"
        try streamBenchmark(
            options, events: events, environment: settings,
            label: "warm stream, Redis \(name) without the local cache, 100 % Redis hits")
    }
    for (name, redis) in [("redis:// (plain)", plainRedis), ("rediss:// (TLS)", tls)] {
        let settings = environment.merging(redis.environment) { _, new in new }
        try oneShotBenchmark(options, event: events[0], environment: settings, label: " with REDIS_URL=\(name)")
        try coldStartBenchmark(
            options, environment: settings, eventFile: "\(options.events)/voice-ai-agent.json", runs: options.coldRuns,
            label: " with REDIS_URL=\(name)")
    }
}
