import Foundation
import SwitchboardRuntime
import TestSupport
import Testing

/// One warm `Voice --stream` process, as the shim drives it.
@Suite("Voice end to end, stream mode")
struct VoiceStreamTests {
    /// What reply line `i` must be.
    enum Expected {
        case status(Int)
        case error(type: String, id: String?)
    }

    @Test("1,000 mixed envelopes, malformed lines among them, each answered in order by one process")
    func thousandEnvelopes() throws {
        let store = try SeededStore()
        let names = try ExampleData.eventNames()
        let events = try names.map { try JSONSerialization.jsonObject(with: try ExampleData.event($0)) }
        let statusByName: [String: Int] = [
            "voice-forged-signature": 403, "voice-moved-number": 403, "voice-malformed-body": 400,
        ]

        var input = Data()
        var expected: [(id: String?, Expected)] = []
        for index in 0..<1_000 {
            let id = "req-\(index)"
            switch index % 10 {
            case 7:
                input += Data("this is not json \(index)\n".utf8)
                expected.append((nil, .error(type: "Runtime.InvalidEnvelope", id: nil)))
            case 9 where index % 20 == 9:
                input += Data(#"{"id":"\#(id)","event":{"rawPath":42}}"#.utf8) + Data("\n".utf8)
                expected.append((id, .error(type: "Runtime.InvalidEnvelope", id: id)))
            default:
                let which = index % names.count
                let envelope: [String: Any] = ["id": id, "deadlineMs": 4_102_444_800_000, "event": events[which]]
                input += try JSONSerialization.data(withJSONObject: envelope) + Data("\n".utf8)
                expected.append((id, .status(statusByName[names[which]] ?? 200)))
            }
            if index == 500 { input += Data("\n   \n".utf8) }  // blank lines are skipped, not answered
        }

        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), ["--stream"], input: input, environment: store.environment)
        #expect(result.status == 0)
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty)
        let lines = result.stdout.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 1_000)
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() where index < expected.count {
            let reply = try decoder.decode(InvocationReply.self, from: Data(line))
            switch expected[index].1 {
            case .status(let status):
                #expect(reply.id == expected[index].id)
                #expect(reply.response?.statusCode == status, "line \(index)")
            case .error(let type, let id):
                #expect(reply.id == id)
                #expect(reply.error?.type == type, "line \(index)")
            }
        }
        // One process served them all: it built its handler once.
        #expect(result.stderrText.components(separatedBy: "function.ready").count - 1 == 1)
    }

    @Test("a line over the size limit gets an error reply, and the next line is still served")
    func oversizedLine() throws {
        let store = try SeededStore()
        let event = try JSONSerialization.jsonObject(with: try ExampleData.event("voice-ai-agent"))
        var input = Data(repeating: UInt8(ascii: "x"), count: FunctionRuntime.maximumInputBytes + 10)
        input += Data("\n".utf8)
        input += try JSONSerialization.data(withJSONObject: ["id": "after", "event": event]) + Data("\n".utf8)
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), ["--stream"], input: input, environment: store.environment)
        let lines = result.stdout.split(separator: UInt8(ascii: "\n")).map {
            try? JSONDecoder().decode(InvocationReply.self, from: Data($0))
        }
        #expect(lines.count == 2)
        #expect(lines.first??.error?.type == "Runtime.PayloadTooLarge")
        #expect(lines.last??.id == "after")
        #expect(lines.last??.response?.statusCode == 200)
    }

    @Test("SWITCHBOARD_STDIO=stream selects stream mode too; unknown options are refused")
    func modeSelection() throws {
        let store = try SeededStore()
        let event = try JSONSerialization.jsonObject(with: try ExampleData.event("voice-voicemail"))
        let line = try JSONSerialization.data(withJSONObject: ["id": "env", "event": event]) + Data("\n".utf8)
        let viaEnvironment = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: line,
            environment: store.environment.merging(["SWITCHBOARD_STDIO": "stream"]) { _, new in new })
        #expect(try JSONDecoder().decode(InvocationReply.self, from: viaEnvironment.stdout).response?.statusCode == 200)
        let unknown = try ProcessRunner.run(
            ExampleData.executable("Voice"), ["--bogus"], environment: store.environment)
        #expect(unknown.status == 64)
        #expect(unknown.stderrText.contains("unknown option --bogus"))
    }
}
