import Foundation
import HTTPDriver
import SwitchboardRuntime
import TestSupport
import Testing

/// Redis over TLS (`rediss://`) against a real `redis-server` listening on its TLS port
/// only, with certificates the tests made: what goes wrong is refused with its cause
/// named, and calls keep routing through the directory. (The cache and local-cache
/// suites run over TLS too: they take the transport as an argument.)
@Suite("Redis over TLS")
struct RedisTLSTests {
    /// A warm Voice on `environment`: its answers to `count` voicemail calls and what it logged.
    static func calls(_ environment: [String: String], count: Int = 2) throws -> (names: [[String]], log: String) {
        let store = try SeededStore(extraEnvironment: environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let names = try (0..<count).map { try VoiceCacheTests.answer(session, "voice-voicemail", id: "call-\($0)").1 }
        let (_, log) = session.finish()
        return (names, log)
    }

    @Test(
        "each TLS failure is named with its endpoint, and calls still route: an unknown authority, the wrong host, an expired certificate, a plaintext port",
        arguments: [
            ("unknown-ca", "not signed by an authority this machine trusts"), ("wrong-host", "for another host name"),
            ("expired", "certificate has expired"),
            ("plaintext", "the server answers plain Redis on this port, without TLS"),
        ])
    func refusals(problem: String, cause: String) throws {
        let redis: RedisServer
        var environment: [String: String]
        switch problem {
        case "plaintext":
            redis = try RedisServer(.plain)
            environment = [
                "REDIS_URL": "rediss://localhost:\(redis.port)",
                "SWITCHBOARD_REDIS_CA_FILE": TestCertificates.shared.path("ca.pem"),
            ]
        case "unknown-ca":
            redis = try RedisServer(.tls)
            environment = redis.environment
            environment["SWITCHBOARD_REDIS_CA_FILE"] = TestCertificates.shared.path("other-ca.pem")
        default:
            redis = try RedisServer(.tls, certificate: problem)
            environment = redis.environment
        }
        try redis.cli(["CONFIG", "SET", "requirepass", "tls-pass-0123"])
        environment["REDIS_URL"] = environment["REDIS_URL"]!.replacingOccurrences(of: "://", with: "://:tls-pass-0123@")
        let (names, log) = try Self.calls(environment)
        #expect(names.allSatisfy { $0.contains("Record") }, "calls route through the directory: \(names)")
        let refused = try #require(
            log.split(separator: "\n").first { $0.contains("cache.redis_unavailable") }, "\(log.suffix(1_500))")
        #expect(refused.contains(cause), "\(refused)")
        #expect(refused.contains("rediss://localhost:\(redis.port)"), "the endpoint is named: \(refused)")
        #expect(!log.contains("tls-pass-0123"), "the password never reaches the log")
    }

    @Test("a server that never finishes the handshake: refused within the connect timeout, calls route")
    func handshakeTimeout() throws {
        let redis = try RedisServer(.tls)
        redis.pause()  // the kernel still accepts the connection; nobody answers the handshake
        defer { redis.resume() }
        let started = Date()
        let (names, log) = try Self.calls(
            redis.environment.merging(["SWITCHBOARD_REDIS_CONNECT_TIMEOUT_MS": "300"]) { _, new in new })
        #expect(names.allSatisfy { $0.contains("Record") })
        #expect(Date().timeIntervalSince(started) < 10)
        let refused = try #require(
            log.split(separator: "\n").first { $0.contains("cache.redis_unavailable") }, "\(log.suffix(1_500))")
        #expect(
            refused.contains("no answer within the time allowed, during the handshake (is this a TLS port?)"),
            "\(refused)")
    }

    @Test("SWITCHBOARD_REDIS_TLS_INSECURE=1 connects without checking, and says so at start")
    func insecure() throws {
        let redis = try RedisServer(.tls, certificate: "wrong-host")
        var environment = redis.environment
        environment["SWITCHBOARD_REDIS_CA_FILE"] = nil
        environment["SWITCHBOARD_REDIS_TLS_INSECURE"] = "1"
        let (names, log) = try Self.calls(environment, count: 3)
        #expect(names.allSatisfy { $0.contains("Record") })
        #expect(
            log.components(separatedBy: "cache.redis_tls_insecure").count - 1 == 1,
            "warned once at start: \(log.suffix(2_000))")
        #expect(!log.contains("cache.redis_unavailable"))
        #expect(try VoiceCacheTests.stats(log)["local_hits"] == 1, "the cache works: \(log.suffix(500))")
    }

    @Test(
        "settings that cannot work stop the function at start, naming the variable",
        arguments: [
            (
                ["REDIS_URL": "rediss://localhost:6390", "SWITCHBOARD_REDIS_CA_FILE": "/nonexistent/ca.pem"],
                "SWITCHBOARD_REDIS_CA_FILE"
            ),
            (
                ["REDIS_URL": "redis://localhost:6390", "SWITCHBOARD_REDIS_CA_FILE": "/etc/hostname"],
                "SWITCHBOARD_REDIS_CA_FILE"
            ),
            (
                ["REDIS_URL": "rediss://localhost:6390", "SWITCHBOARD_REDIS_TLS_INSECURE": "yes"],
                "SWITCHBOARD_REDIS_TLS_INSECURE"
            ),
            (
                ["REDIS_URL": "redis://localhost:6390", "SWITCHBOARD_REDIS_TLS_INSECURE": "1"],
                "SWITCHBOARD_REDIS_TLS_INSECURE"
            ),
        ])
    func badSettings(settings: [String: String], variable: String) throws {
        let store = try SeededStore()
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-voicemail"),
            environment: store.environment.merging(settings) { _, new in new })
        #expect(result.status != 0 && result.stderrText.contains(variable), "\(result.stderrText)")
    }

    @Test("Health checks Redis over TLS, and explain reads the cache through it")
    func healthAndExplain() throws {
        let redis = try RedisServer(.tls)
        let api = try AdminAPIFixture(extraEnvironment: redis.environment)
        let health = try api.call(
            "Health", "GET", "/api/admin/notifications/dependency-health", token: try api.adminToken()
        ).response
        let body = try AdminAPIFixture.json(health)
        let cache = try #require((body["dependencies"] as? [String: Any])?["cache"] as? [String: Any], "\(health.body)")
        #expect(cache["status"] as? String == "HEALTHY", "\(cache)")
        let details = cache["details"] as? [String: Any]
        #expect(
            details?["transportSecurity"] as? String == "tls"
                && (details?["endpoint"] as? String)?.hasPrefix("rediss://localhost:") == true, "\(cache)")

        _ = try Self.calls(api.environment)  // fills the cache for Birch's number
        let explained = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["explain", "+15550200001", "--json"], environment: api.environment)
        let explanation = try #require(
            try JSONSerialization.jsonObject(with: explained.stdout) as? [String: Any], "\(explained.stderrText)")
        #expect(
            (explanation["cache"] as? [String: Any])?["state"] as? String == "tenant",
            "\(explanation["cache"] ?? "none")")
        try api.checkAgainstOpenAPI()
    }
}
