import Foundation
import Logging
import RedisDriver
import TLSDriver
import TestSupport
import Testing

@testable import SwitchboardCore

/// The phone → tenant cache against a real redis-server (each test its own), over plain
/// TCP and over TLS.
@Suite("Redis tenant cache")
struct TenantCacheTests {
    typealias F = DirectoryFixtures
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A directory with companies, a cache on a private Redis, and the resolver and
    /// writer a function and an admin would use.
    struct Setup {
        let redis: RedisServer
        let directory: any TenantDirectory
        let cache: RedisTenantCache
        let resolver: CachingTenantResolver
        let writer: CompanySettingsWriter

        init(
            _ transport: RedisTransport, negativeTTL: Int = 30,
            inner: ((any TenantResolver) -> any TenantResolver)? = nil
        ) throws {
            redis = try RedisServer(transport)
            let store = try DirectoryBackend.sqlite.makeStore()
            directory = store.directory
            var settings = try #require(try CacheSettings.fromEnvironment(Environment(redis.environment)))
            settings.negativeTTLSeconds = negativeTTL
            cache = RedisTenantCache(settings: settings, logger: TenantCacheTests.logger)
            let plain = DirectoryTenantResolver(directory: directory)
            resolver = CachingTenantResolver(
                cache: cache, directory: inner?(plain) ?? plain, logger: TenantCacheTests.logger)
            writer = CompanySettingsWriter(store: store, sealer: F.sealer, cache: cache)
        }
    }

    @Test("hit, miss, negative hit; the stored value and its TTL", arguments: RedisTransport.allCases)
    func hitMissNegative(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")]), updatedBy: "test")
        let number = F.number("+15550100001")
        #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1")
        #expect(setup.resolver.counters.misses == 1)
        #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1")
        #expect(setup.resolver.counters.hits == 1)

        let unknown = F.number("+15559990000")
        #expect(try setup.resolver.tenant(servingNumber: unknown) == nil)
        #expect(try setup.resolver.tenant(servingNumber: unknown) == nil)
        #expect(setup.resolver.counters.negativeHits == 1)
        #expect(try setup.redis.cli(["GET", RedisTenantCache.key(for: unknown)]) == "N")

        let ttl = Int(try setup.redis.cli(["PTTL", RedisTenantCache.key(for: number)])) ?? -1
        #expect((299_000...300_000).contains(ttl))
        let negativeTTL = Int(try setup.redis.cli(["PTTL", RedisTenantCache.key(for: unknown)])) ?? -1
        #expect((29_000...30_000).contains(negativeTTL))
        #expect(setup.resolver.counters.errors == 0)
    }

    @Test("an expired entry is read from the directory again", arguments: RedisTransport.allCases)
    func expiry(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")]), updatedBy: "test")
        let number = F.number("+15550100001")
        _ = try setup.resolver.tenant(servingNumber: number)
        try setup.redis.cli(["PEXPIRE", RedisTenantCache.key(for: number), "1"])
        usleep(20_000)
        #expect(try setup.redis.cli(["EXISTS", RedisTenantCache.key(for: number)]) == "0")
        #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1")
        #expect(setup.resolver.counters.misses == 2)
        #expect(setup.resolver.counters.hits == 0)
    }

    @Test("a config change invalidates the numbers it had and the numbers it has", arguments: RedisTransport.allCases)
    func invalidation(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        let (a, b, c) = (F.number("+15550100001"), F.number("+15550100002"), F.number("+15550100003"))
        try setup.writer.save(
            F.company("c1", list: [("+15550100001", "active"), ("+15550100002", "active")]), updatedBy: "test")
        for number in [a, b, c] { _ = try setup.resolver.tenant(servingNumber: number) }
        _ = try setup.resolver.tenant(id: CompanyID("c1"))
        #expect(try setup.redis.cli(["GET", RedisTenantCache.key(for: c)]) == "N")  // c is cached as "no tenant"

        // c1 gives up a, keeps b, takes c, and changes mode.
        try setup.writer.save(
            F.company("c1", list: [("+15550100002", "active"), ("+15550100003", "active")], mode: "ai-agent"),
            updatedBy: "test")
        for key in [
            RedisTenantCache.key(for: a), RedisTenantCache.key(for: b), RedisTenantCache.key(for: c),
            RedisTenantCache.key(for: try CompanyID("c1")),
        ] {
            #expect(try setup.redis.cli(["EXISTS", key]) == "0", "\(key) survived the change")
        }
        #expect(try setup.resolver.tenant(servingNumber: a) == nil)
        #expect(try setup.resolver.tenant(servingNumber: b)?.callRoutingMode == "ai-agent")
        #expect(try setup.resolver.tenant(servingNumber: c)?.companyID.rawValue == "c1")
        #expect(try setup.resolver.tenant(id: CompanyID("c1"))?.callRoutingMode == "ai-agent")
    }

    @Test(
        "the stale re-fill race, forced step by step: an invalidation is never undone",
        arguments: RedisTransport.allCases)
    func staleRefillRace(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        let number = F.number("+15550100001")
        let key = RedisTenantCache.key(for: number)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")], mode: "voicemail"), updatedBy: "test")

        // Reader A misses and takes the lease, then reads the OLD document.
        #expect(try setup.cache.entry(key) == .absent)
        let leaseA = try #require(try setup.cache.lease(key))
        let old = try #require(try DirectoryTenantResolver(directory: setup.directory).tenant(servingNumber: number))
        #expect(old.callRoutingMode == "voicemail")
        // Reader B misses too, but A holds the lease: B reads without filling.
        #expect(try setup.cache.entry(key) == .leased)
        #expect(try setup.cache.lease(key) == nil)

        // The writer commits the new document, then invalidates.
        var changed = F.company("c1", list: [("+15550100001", "active")], mode: "forward")
        changed.twilio.forwardNumber = "+15550199999"
        try setup.writer.save(changed, updatedBy: "test")

        // A tries to put back what it read before the change: refused.
        #expect(try setup.cache.fill(leaseA, with: old) == false)
        #expect(try setup.redis.cli(["EXISTS", key]) == "0")

        // Reader C, after the change, leases, reads the NEW document and fills.
        let leaseC = try #require(try setup.cache.lease(key))
        let new = try DirectoryTenantResolver(directory: setup.directory).tenant(servingNumber: number)
        #expect(try setup.cache.fill(leaseC, with: new) == true)
        // A late fill with A's lease still cannot overwrite C's value.
        #expect(try setup.cache.fill(leaseA, with: old) == false)
        guard case .tenant(let cached) = try setup.cache.entry(key) else {
            Issue.record("no tenant cached")
            return
        }
        #expect(cached.callRoutingMode == "forward")
    }

    @Test(
        "the same race through the resolver: the change lands while it reads the directory",
        arguments: RedisTransport.allCases)
    func raceThroughResolver(transport: RedisTransport) throws {
        let writerBox = WriterBox()
        let setup = try Setup(transport, inner: { plain in InterleavingResolver(inner: plain) { writerBox.change?() } })
        let number = F.number("+15550100001")
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")], mode: "voicemail"), updatedBy: "test")
        var changed = F.company("c1", list: [("+15550100001", "active")], mode: "forward")
        changed.twilio.forwardNumber = "+15550199999"
        writerBox.change = {
            writerBox.change = nil
            _ = try? setup.writer.save(changed, updatedBy: "test")
        }
        // This lookup read the old document, and the change happened before it could fill.
        #expect(try setup.resolver.tenant(servingNumber: number)?.callRoutingMode == "voicemail")
        #expect(setup.resolver.counters.refusedFills == 1)
        #expect(try setup.redis.cli(["EXISTS", RedisTenantCache.key(for: number)]) == "0")
        #expect(try setup.resolver.tenant(servingNumber: number)?.callRoutingMode == "forward")
        #expect(try setup.resolver.tenant(servingNumber: number)?.callRoutingMode == "forward")
        #expect(setup.resolver.counters.hits == 1)
    }

    @Test("the cached value holds the auth token sealed, never in clear", arguments: RedisTransport.allCases)
    func sealedInCache(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")]), updatedBy: "test")
        _ = try setup.resolver.tenant(servingNumber: F.number("+15550100001"))
        let raw = try setup.redis.cli(["GET", RedisTenantCache.key(for: F.number("+15550100001"))])
        #expect(raw.hasPrefix("T{"))
        #expect(raw.contains("sealed:v1:"))
        #expect(!raw.contains("token-c1"))
    }

    @Test(
        "Redis down, then back: lookups fall back to the directory, then hits resume",
        arguments: RedisTransport.allCases)
    func redisDownAndBack(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")]), updatedBy: "test")
        let number = F.number("+15550100001")
        _ = try setup.resolver.tenant(servingNumber: number)
        setup.redis.stop()
        for _ in 0..<20 { #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1") }
        #expect(setup.resolver.counters.fallbacks == 20)
        // Only the first failure touched the network; the back-off skipped the rest.
        try setup.redis.start()
        usleep(1_100_000)  // the first back-off is 1 s
        #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1")  // reconnects, refills
        #expect(try setup.resolver.tenant(servingNumber: number)?.companyID.rawValue == "c1")
        #expect(setup.resolver.counters.hits == 1)
    }

    @Test("Redis answering garbage or errors is a fallback, not a failure", arguments: RedisTransport.allCases)
    func garbage(transport: RedisTransport) throws {
        let setup = try Setup(transport)
        try setup.writer.save(F.company("c1", list: [("+15550100001", "active")]), updatedBy: "test")
        let key = RedisTenantCache.key(for: F.number("+15550100001"))
        try setup.redis.cli(["SET", key, "T{not json"])
        #expect(try setup.resolver.tenant(servingNumber: F.number("+15550100001"))?.companyID.rawValue == "c1")
        try setup.redis.cli(["DEL", key])
        try setup.redis.cli(["HSET", key, "a", "b"])  // wrong type: GET answers an error
        #expect(try setup.resolver.tenant(servingNumber: F.number("+15550100001"))?.companyID.rawValue == "c1")
        #expect(setup.resolver.counters.fallbacks == 2)
    }

    @Test(
        "REDIS_URL forms, and the errors that name it",
        arguments: [
            ("redis://127.0.0.1:6380", "redis://127.0.0.1:6380/0"),
            ("redis://cache.internal", "redis://cache.internal:6379/0"),
            ("redis://:p%40ss@10.0.0.5:6379/2", "redis://10.0.0.5:6379/2"),
            ("redis://app:secret@[::1]:7000/1", "redis://app@::1:7000/1"),
            ("unix:/run/redis.sock?db=3", "unix:/run/redis.sock db 3"),
            (
                "rediss://default:s3cret@cache.abc123.use1.cache.amazonaws.com:6379",
                "rediss://default@cache.abc123.use1.cache.amazonaws.com:6379/0"
            ),
        ])
    func urls(text: String, description: String) throws {
        let endpoint = try CacheSettings.parseURL(text)
        #expect(endpoint.description == description)
        #expect(!endpoint.description.contains("secret") && !endpoint.description.contains("p@ss"))
    }

    @Test(
        "bad REDIS_URLs",
        arguments: [
            ("rediss://", "no host"), ("http://cache", "must be redis://"), ("redis://cache:0", "port"),
            ("redis://cache:6379/99", "database"), ("unix:relative.sock", "absolute"), ("redis://", "no host"),
        ])
    func badURLs(text: String, fragment: String) {
        do {
            _ = try CacheSettings.parseURL(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.variable == "REDIS_URL")
            #expect(error.problem.contains(fragment), "\(error)")
        }
    }

    @Test("the password in REDIS_URL is used for AUTH, as an ACL user too", arguments: RedisTransport.allCases)
    func authentication(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        try redis.cli(["CONFIG", "SET", "requirepass", "s3cret"])
        try redis.cli([
            "-a", "s3cret", "--no-auth-warning", "ACL", "SETUSER", "switchboard", "on", ">app-pass", "~*", "+@all",
        ])
        let tls = transport == .tls ? TLSSettings(caFile: TestCertificates.shared.path("ca.pem")) : nil
        let host = transport == .tls ? "localhost" : "127.0.0.1"
        let good = RedisEndpoint(address: .tcp(host: host, port: redis.port), password: "s3cret", database: 2, tls: tls)
        let connection = try RedisConnection(
            endpoint: good, connectTimeoutMilliseconds: 500, commandTimeoutMilliseconds: 500)
        #expect(try connection.command(["PING"]) == .status("PONG"))
        let user = RedisEndpoint(
            address: .tcp(host: host, port: redis.port), username: "switchboard", password: "app-pass", tls: tls)
        #expect(
            try RedisConnection(endpoint: user, connectTimeoutMilliseconds: 500, commandTimeoutMilliseconds: 500)
                .command(["ACL", "WHOAMI"]) == .string(Array("switchboard".utf8)))
        let bad = RedisEndpoint(address: .tcp(host: host, port: redis.port), password: "wrong", tls: tls)
        #expect(throws: RedisError.self) {
            try RedisConnection(endpoint: bad, connectTimeoutMilliseconds: 200, commandTimeoutMilliseconds: 200)
        }
        do {
            _ = try RedisConnection(endpoint: bad, connectTimeoutMilliseconds: 200, commandTimeoutMilliseconds: 200)
        } catch {
            #expect(!error.description.contains("wrong"))
        }
    }
}

/// A resolver that runs `interleave` after reading from `inner` and before returning:
/// where a test puts a concurrent writer.
final class InterleavingResolver: TenantResolver {
    let inner: any TenantResolver
    let interleave: () -> Void
    init(inner: any TenantResolver, interleave: @escaping () -> Void) {
        self.inner = inner
        self.interleave = interleave
    }
    func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        let found = try inner.tenant(servingNumber: number)
        interleave()
        return found
    }
    func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        let found = try inner.tenant(servingWhatsApp: number)
        interleave()
        return found
    }
    func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot? {
        let found = try inner.tenant(id: id)
        interleave()
        return found
    }
}

final class WriterBox: @unchecked Sendable {
    var change: (() -> Void)?
}
