import Foundation
import SwitchboardBase
import SwitchboardRuntime
import Synchronization
import TestSupport
import Testing

/// `Voice --stream` with the Redis cache in front of the embedded store, against a
/// private redis-server per test.
@Suite("Voice end to end, with the Redis cache")
struct VoiceCacheTests {
    /// The reply to `name`, decoded, with its TwiML's element names.
    static func answer(_ session: StreamSession, _ name: String, id: String) throws -> (HTTPResponse, [String]) {
        let reply = try JSONDecoder().decode(
            InvocationReply.self, from: try session.send(try ExampleData.envelope(name, id: id)))
        let response = try #require(reply.response, "no response to \(name): \(String(describing: reply.error))")
        let names = response.statusCode == 200 ? try TwiMLReader.read(response.body).map(\.name) : []
        return (response, names)
    }

    /// The counters of the last `cache.stats` line in `log`.
    static func stats(_ log: String) throws -> [String: Int] {
        let line = try #require(log.split(separator: "\n").last { $0.contains("\"cache.stats\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return object.compactMapValues { ($0 as? String).flatMap(Int.init) }
    }

    @Test(
        "a warm invocation makes no Redis command at all: the tenant is in the process's memory, kept honest by client tracking",
        arguments: RedisTransport.allCases)
    func noCommandWhenWarm(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let store = try SeededStore(extraEnvironment: redis.environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let warm = 50
        let first = try redis.monitor {
            let names = try Self.answer(session, "voice-ai-agent", id: "first").1
            #expect(names.contains("Stream"))
        }
        // The first call misses: GET, SET NX (the lease), EVAL (the fill), and nothing more:
        // a process may answer one call only, so tracking waits for its second.
        #expect(!first.contains { $0.contains(#""CLIENT" "TRACKING""#) || $0.contains(#""SUBSCRIBE""#) }, "\(first)")
        #expect(first.filter { $0.contains("switchboard:v1:number:+15550100001") }.count == 3, "\(first)")
        // The second sets tracking up and asks Redis once more…
        let second = try redis.monitor {
            let names = try Self.answer(session, "voice-ai-agent", id: "second").1
            #expect(names.contains("Stream"))
        }
        #expect(
            second.contains {
                $0.contains(#""CLIENT" "TRACKING" "on" "REDIRECT""#)
                    && $0.contains(#""BCAST" "PREFIX" "switchboard:v1:" "NOLOOP""#)
            }, "\(second)")
        #expect(second.contains { $0.contains(#""SUBSCRIBE" "__redis__:invalidate""#) })
        #expect(second.filter { $0.contains("switchboard:v1:number:+15550100001") }.count == 1, "\(second)")
        #expect(second.contains { $0.contains(#""GET" "switchboard:v1:number:+15550100001""#) })
        // …and every later one asks nobody.
        let commands = try redis.monitor {
            for index in 1...warm {
                let (response, names) = try Self.answer(session, "voice-ai-agent", id: "warm-\(index)")
                #expect(response.statusCode == 200)
                #expect(names.contains("Stream"))
            }
        }
        #expect(commands.isEmpty, "\(commands.prefix(6))")
        let (_, log) = session.finish()
        let counters = try Self.stats(log)
        #expect(counters["local_hits"] == warm)
        #expect(counters["hits"] == 1)
        #expect(counters["misses"] == 1)
        #expect(log.contains("cache.local_tracking"))
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
        // What Redis holds for the number: the snapshot, token sealed.
        let raw = try redis.cli(["GET", "switchboard:v1:number:+15550100001"])
        #expect(raw.contains("sealed:v1:"))
        #expect(ExampleData.leakedSecrets(in: Data(raw.utf8)).isEmpty)
    }

    @Test(
        "without a local cache (SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS=0) a warm invocation makes exactly one Redis command: GET",
        arguments: RedisTransport.allCases)
    func oneCommandWithoutLocalCache(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let store = try SeededStore(
            extraEnvironment: redis.environment.merging(["SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS": "0"]) { _, new in new })
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let warm = 20
        let commands = try redis.monitor {
            for index in 0...warm {
                let names = try Self.answer(session, "voice-ai-agent", id: "warm-\(index)").1
                #expect(names.contains("Stream"))
            }
        }
        #expect(commands.count == 3 + warm, "\(commands.prefix(6))")
        #expect(commands.dropFirst(3).allSatisfy { $0.contains(#""GET" "switchboard:v1:number:+15550100001""#) })
        #expect(!commands.contains { $0.contains("TRACKING") || $0.contains("SUBSCRIBE") })
        let counters = try Self.stats(session.finish().log)
        #expect(counters["hits"] == warm)
        #expect(counters["local_hits"] == 0)
    }

    @Test(
        "10,000 warm calls for four companies while Redis is killed and restarted over and over: every one answered, each by its own company"
    )
    func redisChaos() throws {
        let redis = try RedisServer()
        let store = try SeededStore(extraEnvironment: redis.environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let names = ["voice-ai-agent", "voice-voicemail", "voice-forward", "voice-legacy-number"]
        // What each company answers with Redis up: the reference.
        var reference: [String: String] = [:]
        for name in names {
            let reply = try JSONDecoder().decode(
                InvocationReply.self, from: try session.send(try ExampleData.envelope(name, id: "ref-" + name)))
            reference[name] = try #require(reply.response?.body)
        }
        #expect(Set(reference.values).count == names.count)
        let done = Mutex(false)
        let restarts = Mutex(0)
        let chaos = Thread {
            while !done.withLock({ $0 }) {
                usleep(150_000)
                redis.stop()
                usleep(50_000)
                if (try? redis.start()) != nil { restarts.withLock { $0 += 1 } }
            }
        }
        chaos.start()
        var wrong: [String] = []
        for index in 0..<10_000 {
            let name = names[index % names.count]
            let reply = try JSONDecoder().decode(
                InvocationReply.self, from: try session.send(try ExampleData.envelope(name, id: "c\(index)")))
            if reply.response?.statusCode != 200 || reply.response?.body != reference[name] {
                wrong.append("\(index) \(name): \(reply.response?.statusCode ?? 0) \(String(describing: reply.error))")
            }
        }
        done.withLock { $0 = true }
        while !chaos.isFinished { usleep(10_000) }
        #expect(wrong.isEmpty, "\(wrong.count) wrong answers, e.g. \(wrong.prefix(3))")
        #expect(
            restarts.withLock { $0 } >= 3, "Redis was restarted only \(restarts.withLock { $0 }) times during the run")
        let (status, log) = session.finish()
        #expect(status == 0)
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
    }

    @Test(
        "Redis killed mid-run: every call still gets the right TwiML; restarted: hits resume",
        arguments: RedisTransport.allCases)
    func redisKilledAndRestarted(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let store = try SeededStore(extraEnvironment: redis.environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        let kinds: [(String, String)] = [
            ("voice-ai-agent", "Stream"), ("voice-voicemail", "Record"), ("voice-forward", "Dial"),
            ("voice-whisper", "Say"),
        ]
        var id = 0
        func round() throws {
            for (name, element) in kinds {
                id += 1
                let (response, names) = try Self.answer(session, name, id: "r\(id)")
                #expect(response.statusCode == 200)
                #expect(names.contains(element), "\(name) answered \(names)")
            }
        }
        try round()
        try round()  // Redis hits
        try round()  // answered from memory
        redis.stop()
        for _ in 0..<5 { try round() }  // Redis gone: all from the directory
        let (forged, _) = try Self.answer(session, "voice-forged-signature", id: "forged")
        #expect(forged.statusCode == 403)
        try redis.start()
        usleep(1_100_000)  // the first back-off is 1 s
        try round()  // reconnects; Redis is empty again: misses that refill
        try round()  // Redis hits again
        try round()  // and from memory
        let (_, log) = session.finish()
        let counters = try Self.stats(log)
        #expect(counters["fallbacks"] == 21)
        #expect(counters["hits"] == 8)
        // The third round before the kill and after the restart answered from memory.
        #expect(counters["local_hits"] == 8)
        #expect(log.contains("cache.local_tracking_lost"))
        #expect(log.contains("cache.redis_unavailable"))
        #expect(log.contains("cache.redis_reconnected"))
        // The failure was logged once, not once per call.
        #expect(log.components(separatedBy: "cache.redis_unavailable").count - 1 == 1)
    }

    @Test(
        "Redis frozen (answers nothing): calls still answer, from the directory, without hanging",
        arguments: RedisTransport.allCases)
    func redisFrozen(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        // Without the local cache, so every call goes to the frozen Redis.
        let store = try SeededStore(
            extraEnvironment: redis.environment.merging([
                "SWITCHBOARD_REDIS_COMMAND_TIMEOUT_MS": "100", "SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS": "0",
            ]) { _, new in new })
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        _ = try Self.answer(session, "voice-voicemail", id: "warm")
        redis.pause()
        defer { redis.resume() }
        let started = Date()
        for index in 0..<10 {
            let (response, names) = try Self.answer(session, "voice-voicemail", id: "frozen-\(index)")
            #expect(response.statusCode == 200)
            #expect(names.contains("Record"))
        }
        // Liveness, not speed: without the command timeout the first call would wait forever.
        #expect(Date().timeIntervalSince(started) < 10)
        let (_, log) = session.finish()
        #expect(try Self.stats(log)["fallbacks"] == 10)
    }

    @Test(
        "negative caching: a flood to an unknown number costs the directory one query",
        arguments: RedisTransport.allCases)
    func negativeCaching(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let store = try SeededStore(extraEnvironment: redis.environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        for index in 0..<20 {
            let (response, names) = try Self.answer(session, "voice-unknown-number", id: "u\(index)")
            #expect(response.statusCode == 200)
            #expect(names == ["Response", "Say", "Hangup"])
        }
        let (_, log) = session.finish()
        let counters = try Self.stats(log)
        #expect(counters["misses"] == 1)
        #expect(counters["negative_hits"] == 1)
        #expect(counters["local_hits"] == 18)  // "no such number", remembered locally too
        #expect(try redis.cli(["GET", "switchboard:v1:number:+15559990000"]) == "N")
    }

    @Test("seeding a change while Voice runs: the next call sees it", arguments: RedisTransport.allCases)
    func changeSeenAtOnce(transport: RedisTransport) throws {
        let redis = try RedisServer(transport)
        let store = try SeededStore(extraEnvironment: redis.environment)
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        #expect(try Self.answer(session, "voice-voicemail", id: "before").1.contains("Record"))
        #expect(try Self.answer(session, "voice-voicemail", id: "cached").1.contains("Record"))

        // Birch & Partners switches to forwarding.
        let data = try Data(contentsOf: ExampleData.companiesFile)
        var companies = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        var birch = companies[1]
        var config = birch["twilioConfig"] as! [String: Any]
        config["callRoutingMode"] = "forward"
        config["forwardNumber"] = "+15550288888"
        birch["twilioConfig"] = config
        companies = [birch]
        let file = store.folder.appendingPathComponent("birch.json")
        try JSONSerialization.data(withJSONObject: companies).write(to: file)
        let seeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", file.path], environment: store.environment)
        #expect(seeded.status == 0, "\(seeded.stderrText)")

        let (response, names) = try Self.answer(session, "voice-voicemail", id: "after")
        #expect(names.contains("Dial"))
        #expect(response.body.contains("+15550288888"))
        _ = session.finish()
    }
}
