import Foundation
import SwitchboardRuntime
import TestSupport
import Testing

/// A warm `Voice --stream` process's own tenant cache, kept honest by Redis's client
/// tracking: every way the invalidations can be lost, delayed or refused, against a
/// private redis-server per test, over plain TCP and over TLS. Each test warms Birch (voicemail), changes it to
/// forwarding behind the process's back, and checks the very next call.
@Suite("Voice's local tenant cache and Redis client tracking")
struct LocalCacheTests {
    static func call(_ session: StreamSession, id: String) throws -> [String] {
        try VoiceCacheTests.answer(session, "voice-voicemail", id: id).1
    }

    /// Switches Birch & Partners to forwarding with `switchboard seed`; with `REDIS_URL`
    /// in `environment` the seed deletes the cache's keys, as a configuration change does.
    static func switchBirchToForwarding(_ store: SeededStore, environment: [String: String]) throws {
        let data = try Data(contentsOf: ExampleData.companiesFile)
        let companies = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        var birch = companies[1]
        var config = birch["twilioConfig"] as! [String: Any]
        config["callRoutingMode"] = "forward"
        config["forwardNumber"] = "+15550288888"
        birch["twilioConfig"] = config
        let file = store.folder.appendingPathComponent("birch-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: [birch]).write(to: file)
        let seeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", file.path], environment: environment)
        #expect(seeded.status == 0, "\(seeded.stderrText)")
    }

    /// A warm session on Birch's voicemail number: a miss, a Redis hit, then a call
    /// answered from memory.
    static func warmSession(_ redis: RedisServer, extra: [String: String] = [:]) throws -> (SeededStore, StreamSession)
    {
        let store = try SeededStore(extraEnvironment: redis.environment.merging(extra) { _, new in new })
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        #expect(try Self.call(session, id: "cold").contains("Record"))
        #expect(try Self.call(session, id: "warm").contains("Record"))
        #expect(try Self.call(session, id: "local").contains("Record"))
        return (store, session)
    }

    @Test(
        "the invalidation connection killed (CLIENT KILL): the local cache is emptied, the next call is right, tracking comes back",
        arguments: RedisTransport.allCases)
    func listenerKilled(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let (store, session) = try Self.warmSession(redis)
        #expect(try redis.cli(["CLIENT", "KILL", "TYPE", "pubsub"]) == "1")
        try Self.switchBirchToForwarding(store, environment: store.environment)  // announced to nobody
        #expect(try Self.call(session, id: "after-kill").contains("Dial"))
        usleep(1_100_000)  // tracking is retried after 1 s
        #expect(try Self.call(session, id: "re-tracked").contains("Dial"))
        let commands = try redis.monitor {
            let names = try Self.call(session, id: "local-again")
            #expect(names.contains("Dial"))
        }
        #expect(commands.isEmpty, "\(commands)")
        let (_, log) = session.finish()
        #expect(log.contains("cache.local_tracking_lost"))
        #expect(try VoiceCacheTests.stats(log)["local_hits"] == 2)
    }

    @Test(
        "the lookup connection killed: tracking went with it, so the local cache is emptied and the next call is right",
        arguments: RedisTransport.allCases)
    func lookupConnectionKilled(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let (store, session) = try Self.warmSession(redis)
        _ = try redis.cli(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
        try Self.switchBirchToForwarding(store, environment: store.environment)
        #expect(try Self.call(session, id: "after-kill").contains("Dial"))
        #expect(try Self.call(session, id: "redis-hit").contains("Dial"))
        #expect(try Self.call(session, id: "local-again").contains("Dial"))
        let (_, log) = session.finish()
        #expect(log.contains("cache.redis_connection_closed"))
        #expect(try VoiceCacheTests.stats(log)["local_hits"] == 2)
    }

    @Test(
        "a process stopped (SIGSTOP) while the company changes, then continued: right on its first call",
        arguments: RedisTransport.allCases)
    func frozenProcess(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let (store, session) = try Self.warmSession(redis)
        kill(session.processIdentifier, SIGSTOP)
        try Self.switchBirchToForwarding(store, environment: store.environment)
        usleep(200_000)
        kill(session.processIdentifier, SIGCONT)
        #expect(try Self.call(session, id: "thawed").contains("Dial"))
        let (_, log) = session.finish()
        // The number's key, deleted by the change.
        #expect(try VoiceCacheTests.stats(log)["local_invalidations"] ?? 0 >= 1)
    }

    @Test("FLUSHALL is announced as 'everything': the local cache is emptied", arguments: RedisTransport.allCases)
    func flushAll(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let (store, session) = try Self.warmSession(redis)
        var withoutRedis = store.environment
        withoutRedis["REDIS_URL"] = nil
        withoutRedis["SWITCHBOARD_REDIS_CA_FILE"] = nil
        try Self.switchBirchToForwarding(store, environment: withoutRedis)  // the directory only: no keys deleted
        #expect(try Self.call(session, id: "unannounced").contains("Record"))  // still the cached tenant, as designed
        #expect(try redis.cli(["FLUSHALL"]) == "OK")
        #expect(try Self.call(session, id: "after-flush").contains("Dial"))
        _ = session.finish()
    }

    @Test(
        "an entry expires after SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS and is asked of Redis again",
        arguments: RedisTransport.allCases)
    func backstopExpiry(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let (_, session) = try Self.warmSession(redis, extra: ["SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS": "1"])
        usleep(1_200_000)
        let commands = try redis.monitor {
            let names = try Self.call(session, id: "expired")
            #expect(names.contains("Record"))
        }
        #expect(
            commands.count == 1 && commands[0].contains(#""GET" "switchboard:v1:number:+15550200001""#), "\(commands)")
        _ = session.finish()
    }

    @Test(
        "a Redis user without CLIENT TRACKING: no local cache, said once, every call still right through Redis",
        arguments: RedisTransport.allCases)
    func trackingRefused(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        #expect(
            try redis.cli(["ACL", "SETUSER", "voice", "on", ">voice-password", "~*", "&*", "+@all", "-client|tracking"])
                == "OK")
        let store = try SeededStore(extraEnvironment: redis.environment(user: "voice", password: "voice-password"))
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        for index in 0..<5 {
            let names = try Self.call(session, id: "r\(index)")
            #expect(names.contains("Record"))
        }
        try Self.switchBirchToForwarding(store, environment: store.environment)
        #expect(try Self.call(session, id: "changed").contains("Dial"))
        let (_, log) = session.finish()
        #expect(log.components(separatedBy: "cache.local_cache_off").count - 1 == 1)
        #expect(!log.contains("voice-password"))
        let counters = try VoiceCacheTests.stats(log)
        #expect(counters["local_hits"] == 0)
        #expect(counters["hits"] == 4)
    }
}
