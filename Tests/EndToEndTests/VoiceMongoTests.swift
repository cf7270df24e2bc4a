import Foundation
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
        let names = ["voice-ai-agent", "voice-voicemail", "voice-forward", "voice-whisper", "voice-legacy-number", "voice-unknown-number", "voice-forged-signature"]
        var input = Data()
        for index in 0..<1_000 {
            input += try ExampleData.envelope(names[index % names.count], id: "m\(index)") + Data("\n".utf8)
        }
        let before = try server.connectionsAccepted()
        let result = try ProcessRunner.run(ExampleData.executable("Voice"), ["--stream"], input: input, environment: store.environment)
        let after = try server.connectionsAccepted()
        #expect(result.status == 0)
        let replies = try result.stdout.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(InvocationReply.self, from: Data($0)) }
        #expect(replies.count == 1_000)
        for (index, reply) in replies.enumerated() {
            let expected = names[index % names.count] == "voice-forged-signature" ? 403 : 200
            #expect(reply.response?.statusCode == expected, "\(names[index % names.count]): \(String(describing: reply.error))")
        }
        // One pool: its monitor and application connections, not one per call (the
        // statistics question itself opens two).
        #expect(after - before <= 2 + 4, "Voice opened \(after - before - 2) connections for 1,000 calls")
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
    }

    @Test("MongoDB down: calls hear \"try again later\", not a 500, and no hang")
    func mongoDown() throws {
        let server = try MongoTestServer()
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_STORE": server.uri + "/switchboard?serverSelectionTimeoutMS=300"])
        server.stop()
        let result = try ProcessRunner.run(ExampleData.executable("Voice"), input: try ExampleData.event("voice-ai-agent"), environment: store.environment)
        let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
        #expect(response.statusCode == 200)
        #expect(response.body.contains("cannot take your call right now"))
        #expect(result.stderrText.contains("voice.directory_unavailable"))
    }
}
