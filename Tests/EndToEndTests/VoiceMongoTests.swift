import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `Voice` over the MongoDB directory (libmongoc against the wire-protocol test server).
@Suite("Voice end to end, on MongoDB")
struct VoiceMongoTests {
    @Test("1,000 stream-mode invocations reuse the process's pool: no connection per call")
    func poolReused() throws {
        let server = try MongoTestServer()
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_STORE": server.uri + "/switchboard"])
        let names = [
            "voice-ai-agent", "voice-voicemail", "voice-forward", "voice-whisper", "voice-legacy-number",
            "voice-unknown-number", "voice-forged-signature",
        ]
        var input = Data()
        for index in 0..<1_000 {
            input += try ExampleData.envelope(names[index % names.count], id: "m\(index)") + Data("\n".utf8)
        }
        let before = try server.connectionsAccepted()
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), ["--stream"], input: input, environment: store.environment)
        let after = try server.connectionsAccepted()
        #expect(result.status == 0)
        let replies = try result.stdout.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(InvocationReply.self, from: Data($0))
        }
        #expect(replies.count == 1_000)
        for (index, reply) in replies.enumerated() {
            let expected = names[index % names.count] == "voice-forged-signature" ? 403 : 200
            #expect(
                reply.response?.statusCode == expected,
                "\(names[index % names.count]): \(String(describing: reply.error))")
        }
        // One pool (its monitor and application connections) and its reader (one
        // connection), not one per call (the statistics question itself opens two).
        #expect(after - before <= 2 + 4, "Voice opened \(after - before - 2) connections for 1,000 calls")
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
    }

    @Test("MongoDB down: calls hear \"try again later\", not a 500, and no hang")
    func mongoDown() throws {
        let server = try MongoTestServer()
        let store = try SeededStore(extraEnvironment: [
            "SWITCHBOARD_STORE": server.uri + "/switchboard?serverSelectionTimeoutMS=300"
        ])
        server.stop()
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-ai-agent"),
            environment: store.environment)
        let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
        #expect(response.statusCode == 200)
        #expect(response.body.contains("cannot take your call right now"))
        #expect(result.stderrText.contains("voice.directory_unavailable"))
    }

    @Test(
        "MongoDB stopped under a warm process: cached numbers route, the others hear \"try again later\" without each waiting out server selection, and it recovers without a restart"
    )
    func mongoStoppedWarm() throws {
        let server = try MongoTestServer()
        let redis = try RedisServer()
        let store = try SeededStore(extraEnvironment: [
            "SWITCHBOARD_STORE": server.uri + "/switchboard?serverSelectionTimeoutMS=1500", "REDIS_URL": redis.url,
        ])
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        func call(_ name: String, _ id: String) throws -> String {
            let reply = try JSONDecoder().decode(
                InvocationReply.self, from: try session.send(try ExampleData.envelope(name, id: id)))
            #expect(reply.response?.statusCode == 200, "\(name): \(String(describing: reply.error))")
            return reply.response?.body ?? ""
        }
        #expect(try call("voice-ai-agent", "warm").contains("<Stream"))
        server.stop()
        // Cached: still routed.
        #expect(try call("voice-ai-agent", "cached").contains("<Stream"))
        // Not cached: the first waits out server selection; the next ones, inside the
        // back-off, are answered at once without trying.
        for index in 0..<4 {
            #expect(try call("voice-forward", "down\(index)").contains("cannot take your call right now"))
        }
        // Back: the same process answers again once the back-off has passed.
        try server.start()
        let reseeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", ExampleData.companiesFile.path],
            environment: store.environment)
        #expect(reseeded.status == 0, "\(reseeded.stderrText)")
        var recovered = false
        for attempt in 0..<60 where !recovered {
            recovered = try call("voice-forward", "up\(attempt)").contains("<Dial")
            if !recovered { usleep(250_000) }
        }
        #expect(recovered, "Voice did not route again after MongoDB came back")
        let (status, log) = session.finish()
        #expect(status == 0)
        let unavailable = log.split(separator: "\n").filter { $0.contains("voice.directory_unavailable") }
        #expect(unavailable.count >= 4)
        // At most the first of the four back-to-back calls went to the network.
        let notTried = unavailable.prefix(4).filter { $0.contains("not tried: MongoDB failed recently") }
        #expect(notTried.count >= 3, "\(unavailable.prefix(4))")
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
    }

    @Test(
        "MongoDB behind a link that drops packets (the server frozen: no reset, no answer) under a warm Voice: the lookup gives up within the 2 s read bound, not the writes' 5 s, and the next call is answered at once"
    )
    func mongoBlackholedWarm() throws {
        let server = try MongoTestServer()
        defer {
            server.resume()
            server.stop()
        }
        // The defaults: socketTimeoutMS 5000 for the pool, 2000 for the reads.
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_STORE": server.uri + "/switchboard"])
        let session = try StreamSession(ExampleData.executable("Voice"), environment: store.environment)
        func call(_ name: String, _ id: String) throws -> (body: String, waited: Duration) {
            let started = ContinuousClock.now
            let reply = try JSONDecoder().decode(
                InvocationReply.self, from: try session.send(try ExampleData.envelope(name, id: id)))
            #expect(reply.response?.statusCode == 200, "\(name): \(String(describing: reply.error))")
            return (reply.response?.body ?? "", ContinuousClock.now - started)
        }
        #expect(try call("voice-forward", "warm").body.contains("<Dial"))
        #expect(try call("voice-voicemail", "warm-2").body.contains("<Record"))
        server.pause()  // the kernel still takes the bytes; nothing answers them
        let first = try call("voice-ai-agent", "blackholed")
        #expect(first.body.contains("cannot take your call right now"))
        // Waited out the read bound (so the link really was silent), and not the 5 s the
        // pool's socket timeout would have taken.
        #expect(first.waited >= .milliseconds(1_500), "gave up after \(first.waited)")
        #expect(first.waited < .milliseconds(4_000), "gave up after \(first.waited)")
        print("mongo-blackholed: a warm Voice's lookup gave up after \(first.waited)")
        let next = try call("voice-legacy-number", "inside-back-off")
        #expect(next.body.contains("cannot take your call right now"))
        #expect(next.waited < .milliseconds(1_000), "the call inside the back-off waited \(next.waited)")
        server.resume()
        let (status, log) = session.finish()
        #expect(status == 0)
        let unavailable = log.split(separator: "\n").filter { $0.contains("voice.directory_unavailable") }
        #expect(unavailable.count == 2, "\(unavailable)")
        #expect(unavailable.last?.contains("not tried: MongoDB failed recently") == true, "\(unavailable)")
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
    }

    @Test("seeded on MongoDB with a formatted number outside North America, the company answers calls to it")
    func formattedInternationalNumber() throws {
        let server = try MongoTestServer()
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_STORE": server.uri + "/switchboard"])
        let token = "5b2e7c1d9a8f4e3b6c0d1e2f3a4b5c6d"
        let account = "AC" + String(repeating: "4", count: 32)
        let file = store.folder.appendingPathComponent("london.json")
        try Data(
            """
            [{"_id": "65a1f0c2e4b0a1a2b3c4d5f4", "companyName": "London Lettings",
              "twilioConfig": {"accountSid": "\(account)", "authToken": "\(token)",
                "phoneNumbers": [{"phoneNumber": "+44-20-7946-0958", "status": "active"}], "callRoutingMode": "voicemail"}}]
            """.utf8
        ).write(to: file)
        let seeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", file.path], environment: store.environment)
        #expect(seeded.status == 0, "\(seeded.stderrText)")
        #expect(try MongoSeed.find(uri: server.uri + "/switchboard").contains("\"+442079460958\""))
        let call = try ProcessRunner.run(
            ExampleData.executable("Voice"),
            input: try WebhookEvents.call(to: "+442079460958", account: account, token: token),
            environment: store.environment)
        let response = try JSONDecoder().decode(HTTPResponse.self, from: call.stdout)
        #expect(response.statusCode == 200)
        #expect(response.body.contains("You have reached London Lettings"), "\(response.body)")
        let doctor = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["doctor"], environment: store.environment)
        #expect(!doctor.stdoutText.contains("unmatched-spelling"), "\(doctor.stdoutText)")
    }
}
