import Foundation
import Testing
@testable import SwitchboardRuntime

private struct EventHolder: Decodable { let event: HTTPEvent }

@Suite("Event protocol pieces")
struct RuntimeTests {
    @Test("a payload 2.0 event decodes; header names are lower-cased; the body is base64-decoded")
    func eventDecoding() throws {
        let json = #"""
            {"version":"2.0","rawPath":"/api/twilio/voice","rawQueryString":"a=1","headers":{"Content-Type":"application/x-www-form-urlencoded","X-Twilio-Signature":"sig"},
             "requestContext":{"domainName":"abc.lambda-url.us-east-1.on.aws","http":{"method":"post"}},"body":"VG89JTJCMQ==","isBase64Encoded":true}
            """#
        let event = try JSONDecoder().decode(HTTPEvent.self, from: Data(json.utf8))
        #expect(event.method == "POST")
        #expect(event.header("x-twilio-signature") == "sig")
        #expect(event.header("CONTENT-TYPE") == "application/x-www-form-urlencoded")
        #expect(event.host == "abc.lambda-url.us-east-1.on.aws")
        #expect(try event.bodyBytes() == Array("To=%2B1".utf8))
        var broken = event
        broken.body = "***"
        #expect(throws: EventError.bodyNotBase64) { try broken.bodyBytes() }
        broken.isBase64Encoded = false
        #expect(try broken.bodyBytes() == Array("***".utf8))
    }

    @Test("replies encode a null id when the line had none")
    func replyEncoding() throws {
        let reply = InvocationReply(id: nil, error: .invalidEnvelope("x"))
        let text = String(decoding: try JSONEncoder().encode(reply), as: UTF8.self)
        #expect(text.contains(#""id":null"#))
        #expect(text.contains("Runtime.InvalidEnvelope"))
    }

    @Test("decoding problems are one readable line")
    func decodingProblems() {
        func problem(_ json: String) -> String {
            switch Result(catching: { try JSONDecoder().decode(EventHolder.self, from: Data(json.utf8)) }) {
            case .success: return ""
            case .failure(let error): return DecodingProblem(error).description
            }
        }
        #expect(problem("nope") == "not valid JSON")
        #expect(problem("{}") == "missing event")
        #expect(problem(#"{"event":{"requestContext":{"http":{}}}}"#) == "missing event.requestContext.http.method")
        #expect(problem(#"{"event":{"rawPath":1}}"#) == "wrong type at event.rawPath")
    }

    @Test("lines are read as they arrive; a last line without newline counts; long lines are skipped")
    func lineReader() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let payload = "one\ntwo\n" + String(repeating: "x", count: 300) + "\nthree"
        RawOutput.write(Array(payload.utf8), to: fds[1])
        close(fds[1])
        var reader = LineReader(descriptor: fds[0], maximumLineBytes: 100)
        var lines: [String] = []
        while let line = reader.next() {
            switch line {
            case .line(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong: lines.append("<too long>")
            }
        }
        close(fds[0])
        #expect(lines == ["one", "two", "<too long>", "three"])
    }

    @Test("JSON log lines escape what they carry")
    func logEscaping() {
        var line = ""
        JSONText.appendString("a\"b\\c\nd\u{1}e\u{2028}✓", to: &line)
        #expect(line == #""a\"b\\c\nd\u0001e\#u{2028}✓""#)
        #expect(JSONLogHandler.timestamp().count == "2026-11-25T22:07:01.123Z".count)
    }
}
