import Foundation
import Testing
@testable import SwitchboardRuntime

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

    @Test("protocol messages name the field at fault")
    func fieldErrors() {
        func problem(_ json: String) -> String {
            do { _ = try InvocationRequest(parsing: Array(json.utf8)); return "" } catch { return error.description }
        }
        #expect(problem("nope").hasPrefix("not valid JSON"))
        #expect(problem("{}") == "missing id")
        #expect(problem(#"{"id":"1"}"#) == "missing event")
        #expect(problem(#"{"id":"1","event":{"requestContext":{"http":{}}}}"#) == "missing event.requestContext.http.method")
        #expect(problem(#"{"id":"1","event":{"rawPath":1}}"#) == "event.rawPath must be a string")
        #expect(problem(#"{"id":"1","event":{"headers":{"a":1}}}"#) == "event.headers.a must be a string")
        #expect(problem(#"{"id":"1","deadlineMs":1.5,"event":{}}"#) == "deadlineMs must be a whole number")
        #expect(problem("[1]") == "the top level must be an object")
        #expect(InvocationRequest.id(in: Array(#"{"id":"x","event":3}"#.utf8)) == "x")
        #expect(InvocationRequest.id(in: Array("garbage".utf8)) == nil)
    }

    @Test("the protocol reader and Codable read every example event the same way")
    func readersAgree() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/events")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 10)
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(try HTTPEvent(parsing: Array(data)) == JSONDecoder().decode(HTTPEvent.self, from: data), "\(file)")
        }
    }

    @Test("JSON: RFC 8259 values", arguments: [
        (#"{"a":[1,-2.5e3,0,true,false,null,"x"]}"#, JSONValue.object(["a": .array([.number("1"), .number("-2.5e3"), .number("0"), .bool(true), .bool(false), .null, .string("x")])])),
        (#" "\u00e9\ud83d\ude00\n\/\"" "#, .string("é😀\n/\"")),
        ("\"caf\u{E9}\"", .string("café")),
        ("[]", .array([])),
        ("{}", .object([:])),
        (#"{"k":1,"k":2}"#, .object(["k": .number("2")])),
    ])
    func jsonValues(text: String, value: JSONValue) throws {
        #expect(try JSONValue(parsing: Array(text.utf8)) == value)
    }

    @Test("JSON: malformed and hostile input is refused", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", ".5", "1e", "tru", "nul", "'x'", "\"unterminated",
        "\"tab\there\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"", "{} {}", "[1] x", "{1:2}",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func jsonRefusals(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test("JSON: bytes that are not UTF-8 are refused")
    func jsonInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x22]) }
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
            case .timedOut: lines.append("<timed out>")
            }
        }
        close(fds[0])
        #expect(lines == ["one", "two", "<too long>", "three"])
    }

    @Test("with a deadline, a reader gives up instead of waiting")
    func lineReaderDeadline() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        RawOutput.write(Array("partial".utf8), to: fds[1])
        var reader = LineReader(descriptor: fds[0], maximumLineBytes: 100)
        guard case .timedOut? = reader.next(deadline: epochMilliseconds() + 50) else {
            Issue.record("expected a timeout")
            return
        }
        RawOutput.write(Array(" line\n".utf8), to: fds[1])
        guard case .line(let bytes)? = reader.next(deadline: epochMilliseconds() + 1_000) else {
            Issue.record("expected the completed line")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "partial line")
    }

    @Test("JSON log lines escape what they carry")
    func logEscaping() {
        var line = ""
        JSONText.appendString("a\"b\\c\nd\u{1}e\u{2028}✓", to: &line)
        #expect(line == #""a\"b\\c\nd\u0001e\#u{2028}✓""#)
        #expect(LogLineHandler.timestamp().count == "2026-11-25T22:07:01.123Z".count)
    }

    @Test("log settings: Lambda's level and format win over LOG_LEVEL; both vocabularies; unknown values fall back")
    func logSettings() {
        #expect(LogSettings(environment: [:]) == LogSettings(level: .info, format: .json))
        #expect(LogSettings(environment: ["LOG_LEVEL": "debug"]).level == .debug)
        #expect(LogSettings(environment: ["LOG_LEVEL": "debug", "AWS_LAMBDA_LOG_LEVEL": "WARN"]).level == .warning)
        #expect(LogSettings(environment: ["AWS_LAMBDA_LOG_LEVEL": "FATAL"]).level == .critical)
        #expect(LogSettings(environment: ["AWS_LAMBDA_LOG_LEVEL": "loud", "LOG_LEVEL": "error"]).level == .error)
        #expect(LogSettings(environment: ["AWS_LAMBDA_LOG_FORMAT": "Text"]).format == .text)
        #expect(LogSettings(environment: ["AWS_LAMBDA_LOG_FORMAT": "JSON"]).format == .json)
        #expect(LogSettings(environment: ["AWS_LAMBDA_LOG_FORMAT": "yaml"]).format == .json)
        #expect(LogSettings.lambdaName(of: .warning) == "WARN")
        #expect(LogSettings.lambdaName(of: .notice) == "INFO")
        #expect(LogSettings.lambdaName(of: .critical) == "FATAL")
    }
}
