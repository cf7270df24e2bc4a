import Foundation
import SwitchboardBase
import SwitchboardJSON
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
        var wrapped = event  // line breaks, as some encoders write base64, are skipped
        wrapped.body = "VG89\r\nJTJC\nMQ=="
        #expect(try wrapped.bodyBytes() == Array("To=%2B1".utf8))
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
            do {
                _ = try InvocationRequest(parsing: Array(json.utf8))
                return ""
            } catch { return error.description }
        }
        #expect(problem("nope").hasPrefix("not valid JSON"))
        #expect(problem("{}") == "missing id")
        #expect(problem(#"{"id":"1"}"#) == "missing event")
        #expect(
            problem(#"{"id":"1","event":{"requestContext":{"http":{}}}}"#) == "missing event.requestContext.http.method"
        )
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

    @Test(
        "JSON: RFC 8259 values",
        arguments: [
            (
                #"{"a":[1,-2.5e3,0,true,false,null,"x"]}"#,
                JSONValue.object([
                    "a": .array([
                        .number("1"), .number("-2.5e3"), .number("0"), .bool(true), .bool(false), .null, .string("x"),
                    ])
                ])
            ),
            (#" "\u00e9\ud83d\ude00\n\/\"" "#, .string("é😀\n/\"")),
            ("\"caf\u{E9}\"", .string("café")),
            ("[]", .array([])),
            ("{}", .object([:])),
            (#"{"k":1,"k":2}"#, .object(["k": .number("2")])),
        ])
    func jsonValues(text: String, value: JSONValue) throws {
        #expect(try JSONValue(parsing: Array(text.utf8)) == value)
    }

    @Test(
        "JSON: malformed and hostile input is refused",
        arguments: [
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
        defer {
            close(fds[0])
            close(fds[1])
        }
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

    @Test("the protocol reader and Codable agree on 3,000 mutated events: which are refused, and what the others hold")
    func readersAgreeOnMutations() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/events")
        let bases = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted()
            .map {
                try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent($0)))
                    as! [String: Any]
            }
        let replacements: [Any] = [1, true, [Any](), [String: Any](), NSNull(), "x", ["a": 1], ["x"], [1]]
        let paths: [[String]] = [
            ["version"], ["routeKey"], ["rawPath"], ["rawQueryString"], ["cookies"], ["headers"], ["headers", "host"],
            ["headers", "X-Upper"], ["queryStringParameters"], ["pathParameters"], ["requestContext"],
            ["requestContext", "http"],
            ["requestContext", "http", "method"], ["requestContext", "http", "path"], ["requestContext", "domainName"],
            ["requestContext", "timeEpoch"], ["requestContext", "requestId"], ["body"], ["isBase64Encoded"],
            ["stageVariables"],
        ]
        func setting(_ object: [String: Any], _ path: ArraySlice<String>, _ value: Any?) -> [String: Any] {
            var object = object
            guard let key = path.first else { return object }
            if path.count == 1 {
                object[key] = value
            } else {
                object[key] = setting(object[key] as? [String: Any] ?? [:], path.dropFirst(), value)
            }
            return object
        }
        var generator = SystemRandomNumberGenerator()
        var refused = 0
        for round in 0..<3_000 {
            var event = bases[round % bases.count]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let path = paths.randomElement(using: &generator)!
                let value: Any? = Bool.random(using: &generator) ? replacements.randomElement(using: &generator)! : nil
                event = setting(event, path[...], value)
            }
            let data = try JSONSerialization.data(withJSONObject: event)
            let ours = try? HTTPEvent(parsing: Array(data))
            let theirs = try? JSONDecoder().decode(HTTPEvent.self, from: data)
            #expect(ours == theirs, "\(String(decoding: data, as: UTF8.self))")
            if ours == nil { refused += 1 }
            // What serve writes for an event reads back as the same event, both ways.
            if let ours {
                let line = InvocationRequest(
                    id: "r\(round)", deadlineMs: 1_795_752_000_000, traceId: "Root=1", event: ours
                ).jsonLine()
                let back = try InvocationRequest(parsing: line.dropLast())
                #expect(
                    back.event == ours && back.id == "r\(round)" && back.deadlineMs == 1_795_752_000_000
                        && back.traceId == "Root=1")
                #expect(try JSONDecoder().decode(InvocationRequest.self, from: Data(line)).event == ours)
            }
        }
        #expect(refused > 300 && refused < 2_700)  // both outcomes are exercised
    }

    @Test("an envelope that is not JSON anywhere is refused as such, however right its start")
    func envelopeSyntaxAnywhere() {
        let good =
            #"{"id":"1","event":{"rawPath":"/","requestContext":{"http":{"method":"POST"}},"headers":{"a":"b"}}}"#
        #expect((try? InvocationRequest(parsing: Array(good.utf8))) != nil)
        let broken = [
            #"{"id":"1","event":{"rawPath":1,"headers":{"a":"b",}}}"#,  // a type fault first, then a trailing comma
            #"{"id":2,"event":{"body":"\x"}}"#,  // a bad escape after a type fault
            #"{"id":"1","event":{"headers":{"a":"\ud800"}}}"#,  // a lone surrogate in a header
            #"{"id":"1","event":{"requestContext":{"http":{"method":"POST"},"x":[1,]}}}"#,
            #"{"id":"1","event":{"rawPath":"/"}} trailing"#,
            #"{"id":"1","event":"# + String(repeating: "[", count: 80) + String(repeating: "]", count: 80) + "}",
            #"{"id":"1","event":{"headers":{"a":"b"}}"#,  // truncated
        ]
        for text in broken {
            do {
                _ = try InvocationRequest(parsing: Array(text.utf8))
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.hasPrefix("not valid JSON"), "\(text): \(error)")
            }
        }
        #expect(throws: ProtocolDecodingError.self) {
            try InvocationRequest(parsing: [0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D])
        }
    }

    @Test("a non-HTTP event in an envelope is read whole, as JSON")
    func otherEvents() throws {
        let line = #"{"id":"s1","event":{"source":"aws.events","detail":{"n":[1,2]},"time":"2026-11-27T10:00:00Z"}}"#
        let request = try InvocationRequest(parsing: Array(line.utf8))
        #expect(
            request.payload
                == .other(
                    .object([
                        "source": .string("aws.events"),
                        "detail": .object(["n": .array([.number("1"), .number("2")])]),
                        "time": .string("2026-11-27T10:00:00Z"),
                    ])))
        let reply = try InvocationReply.decode(
            Array(#"{"id":"1","response":{"statusCode":201,"headers":{"a":"b"},"body":"x"}}"#.utf8))
        #expect(reply.response == HTTPResponse(statusCode: 201, headers: ["a": "b"], body: "x"))
        #expect(
            try InvocationReply.decode(Array(#"{"id":null,"error":{"type":"T","message":"m"}}"#.utf8)).error
                == InvocationError(type: "T", message: "m"))
        #expect(throws: ProtocolDecodingError.missing("error")) {
            try InvocationReply.decode(Array(#"{"id":"1"}"#.utf8))
        }
    }

    @Test("JSON strings of every length and mix read back exactly, and a control byte anywhere is refused")
    func jsonStringsEveryway() throws {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "😀", "\u{2028}", "\u{7F}", "~"]
        for round in 0..<2_000 {
            let text = (0..<Int.random(in: 0...40)).map { _ in pieces.randomElement()! }.joined()
            let encoded = try JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
            let padded = Array(String(repeating: " ", count: round % 9).utf8) + Array(encoded)
            #expect(try JSONValue(parsing: padded) == .array([.string(text)]), "\(text.debugDescription)")
        }
        for length in 1...24 {
            for position in 0..<length {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = 0x01
                #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22] + bytes + [0x22]) }
            }
        }
    }
}
