import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `Voice` run as a person runs it, `Voice < event.json`, on every example event, over
/// an embedded store that `switchboard seed` filled.
@Suite("Voice end to end, one-shot")
struct VoiceEndToEndTests {
    static let acmeID = "65a1f0c2e4b0a1a2b3c4d5e1"
    static let cedarID = "65a1f0c2e4b0a1a2b3c4d5e3"

    /// Runs Voice one-shot on `input` and checks what every run must hold.
    static func voice(_ input: Data, _ store: SeededStore, environment extra: [String: String] = [:]) throws -> (
        ProcessResult, HTTPResponse?
    ) {
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: input,
            environment: store.environment.merging(extra) { _, new in new })
        #expect(ExampleData.leakedSecrets(in: result.stdout + result.stderr).isEmpty, "a secret reached Voice's output")
        for line in result.stderrText.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "log line is not JSON: \(line)")
        }
        return (result, try? JSONDecoder().decode(HTTPResponse.self, from: result.stdout))
    }

    /// The TwiML of a 200 text/xml answer, parsed.
    static func twiml(_ response: HTTPResponse?) throws -> [TwiMLReader.Element] {
        let response = try #require(response)
        #expect(response.statusCode == 200)
        #expect(response.headers["content-type"] == "text/xml")
        #expect(response.body.hasPrefix("<?xml"))
        return try TwiMLReader.read(response.body)
    }

    @Test("every example event gets the answer its mode calls for")
    func examples() throws {
        let store = try SeededStore()
        let names = try ExampleData.eventNames()
        #expect(names.count >= 11)
        for name in names {
            let (result, decoded) = try Self.voice(try ExampleData.event(name), store)
            #expect(result.status == 0, "\(name) exited \(result.status): \(result.stderrText)")
            let response = try #require(decoded, "\(name) printed no response: \(result.stdoutText)")
            switch name {
            case "voice-ai-agent":
                let elements = try Self.twiml(response)
                #expect(elements.map(\.name) == ["Response", "Connect", "Stream", "Parameter", "Parameter"])
                #expect(elements[2].attributes["url"] == "wss://agents.acme-dental.example/twilio/stream")
                #expect(elements[3].attributes["value"] == Self.acmeID)
                #expect(elements[4].attributes["value"]?.hasPrefix("CA") == true)
            case "voice-voicemail":
                let elements = try Self.twiml(response)
                #expect(elements.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
                #expect(elements[1].text.hasPrefix("You have reached Birch & Partners."))
                #expect(
                    elements[2].attributes["action"]?.hasSuffix(
                        "/api/twilio/voice?recorded=1&companyId=65a1f0c2e4b0a1a2b3c4d5e2") == true)
            case "voice-shared-key":
                // Dune's webhooks signed with its SharedKey (HMAC_SHA256), not its auth token.
                let elements = try Self.twiml(response)
                #expect(elements[1].text == "You have reached Dune Bakery. Please leave a message after the beep.")
                #expect(result.stderrText.contains("webhooks_sharedkey_01jdunebakery0example00 HMAC_SHA256"))
            case "voice-legacy-number":
                let elements = try Self.twiml(response)
                #expect(elements[1].text == "You have reached Dune Bakery. Please leave a message after the beep.")
                #expect(elements[2].name == "Record")
            case "voice-forward":
                let elements = try Self.twiml(response)
                #expect(elements.map(\.name) == ["Response", "Dial", "Number"])
                #expect(elements[1].attributes["record"] == "record-from-answer-dual")
                #expect(
                    elements[1].attributes["action"]
                        == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api/twilio/voice?dialed=1&companyId=\(Self.cedarID)"
                )
                #expect(elements[2].text == "+15550399999")
                #expect(
                    elements[2].attributes["url"]
                        == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api/twilio/voice?whisper=1&companyId=\(Self.cedarID)"
                )
            case "voice-forward-unanswered":
                // Nobody answered Cedar's forward: its voicemail (the default fallback).
                let elements = try Self.twiml(response)
                #expect(elements.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
                #expect(elements[1].text.hasPrefix("You have reached Cedar Plumbing."))
                #expect(
                    elements[2].attributes["action"]?.hasSuffix(
                        "/api/twilio/voice?recorded=1&companyId=\(Self.cedarID)") == true)
                #expect(result.stderrText.contains("voice.forward_unanswered"))
            case "voice-whisper":
                let elements = try Self.twiml(response)
                #expect(elements.map(\.name) == ["Response", "Say"])
                #expect(elements[1].text == "Incoming call for Cedar Plumbing. Connecting you now.")
            case "voice-voicemail-recorded":
                #expect(try Self.twiml(response).map(\.name) == ["Response", "Say", "Hangup"])
            case "voice-unknown-number", "voice-inactive-number":
                let elements = try Self.twiml(response)
                #expect(elements[1].text.contains("not configured"))
                #expect(result.stderrText.contains("voice.number_not_configured"))
                #expect(result.stderrText.contains(name == "voice-unknown-number" ? "+15559990000" : "+15550200002"))
            case "voice-forged-signature", "voice-moved-number":
                // Forged; or, for the moved number, signed by Birch's account while
                // Acme still holds the number (the demo moves it with ConfigPut).
                #expect(response.statusCode == 403)
                #expect(!response.body.contains("<Response"))
                #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true)
            case "voice-malformed-body":
                #expect(response.statusCode == 400)
                #expect(response.body.contains("% escape"))
            default:
                Issue.record("example event \(name) has no expectation here; add one")
            }
        }
    }

    @Test("requests that are not calls: wrong method, bad base64, no To, oversized body")
    func notCalls() throws {
        let store = try SeededStore()
        var event = try JSONSerialization.jsonObject(with: try ExampleData.event("voice-ai-agent")) as! [String: Any]
        func run(_ edit: (inout [String: Any]) -> Void) throws -> HTTPResponse? {
            var copy = event
            edit(&copy)
            return try Self.voice(try JSONSerialization.data(withJSONObject: copy), store).1
        }
        let get = try run { event in
            var context = event["requestContext"] as! [String: Any]
            context["http"] = ["method": "GET", "path": "/api/twilio/voice"]
            event["requestContext"] = context
        }
        #expect(get?.statusCode == 405)
        #expect(get?.headers["allow"] == "POST")
        #expect(try run { $0["body"] = "!!!not base64!!!" }?.statusCode == 400)
        #expect(
            try run {
                $0["body"] = "From=%2B15557654321"
                $0["isBase64Encoded"] = false
            }?.statusCode == 400)
        #expect(
            try run {
                $0["body"] = String(repeating: "a", count: 100_000)
                $0["isBase64Encoded"] = false
            }?.statusCode == 413)
        // Invalid UTF-8 once unescaped: 400, not a crash.
        #expect(
            try run {
                $0["body"] = "To=%FF%FE"
                $0["isBase64Encoded"] = false
            }?.statusCode == 400)
        event["rawQueryString"] = "whisper=1&companyId=../../etc"
        #expect(try run { _ in }?.statusCode == 400)
    }

    @Test("input that is not an event: an error reply and exit status 1")
    func notAnEvent() throws {
        let store = try SeededStore()
        for input in ["not json", "{}", #"{"rawPath": 5}"#, ""] {
            let (result, _) = try Self.voice(Data(input.utf8), store)
            #expect(result.status == 1)
            let reply = try JSONDecoder().decode(InvocationReply.self, from: result.stdout)
            #expect(reply.error?.type == "Runtime.InvalidEvent")
            #expect(reply.response == nil)
        }
    }

    @Test(
        "a missing or malformed data key stops Voice at start, naming the variable",
        arguments: [
            (nil, "SWITCHBOARD_DATA_KEY is not set"),
            ("dG9vIHNob3J0", "SWITCHBOARD_DATA_KEY is malformed: data key must be 32 bytes"),
            ("***", "SWITCHBOARD_DATA_KEY is malformed: data key is not base64"),
        ] as [(String?, String)])
    func badKey(key: String?, message: String) throws {
        let store = try SeededStore()
        var environment = store.environment
        environment["SWITCHBOARD_DATA_KEY"] = key
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-ai-agent"), environment: environment)
        #expect(result.status == 1)
        let reply = try JSONDecoder().decode(InvocationReply.self, from: result.stdout)
        #expect(reply.error?.type == "Function.InitError")
        #expect(reply.error?.message.contains(message) == true, "\(reply.error?.message ?? "")")
        #expect(result.stderrText.contains(message))
    }

    @Test(
        "other bad settings stop Voice at start, naming the variable",
        arguments: [
            ("SWITCHBOARD_STORE", "postgres://x", "SWITCHBOARD_STORE must be sqlite:<path> or a mongodb:// URI"),
            ("SWITCHBOARD_PUBLIC_URL", "calls.example.com", "SWITCHBOARD_PUBLIC_URL must start with https://"),
            ("SWITCHBOARD_AGENT_STREAM_URL", "https://agent", "SWITCHBOARD_AGENT_STREAM_URL must be a wss:// URL"),
            ("SWITCHBOARD_STORE", "sqlite:/proc/no/such/place.sqlite", "directory unavailable"),
        ])
    func badSettings(variable: String, value: String, message: String) throws {
        let store = try SeededStore()
        let (result, _) = try Self.voice(try ExampleData.event("voice-ai-agent"), store, environment: [variable: value])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains(message), "\(result.stdoutText)")
    }

    @Test(
        "a mistyped embedded store path stops every function at start, naming the path and `switchboard seed`, and creates nothing",
        arguments: ["Voice", "SMS", "ConfigGet", "ConfigPut"])
    func missingStore(function: String) throws {
        let store = try SeededStore(extraEnvironment: [
            "SWITCHBOARD_ADMIN_SECRET": "switchboard-e2e-admin-secret-0123456789abcdef"
        ])
        let mistyped = store.folder.appendingPathComponent("switchbaord.sqlite").path
        var environment = store.environment
        environment["SWITCHBOARD_STORE"] = "sqlite:" + mistyped
        let result = try ProcessRunner.run(
            ExampleData.executable(function), input: try ExampleData.event("voice-ai-agent"), environment: environment)
        #expect(result.status == 1)
        #expect(
            result.stdoutText.contains(mistyped) && result.stdoutText.contains("switchboard seed"),
            "\(result.stdoutText)")
        #expect(!FileManager.default.fileExists(atPath: mistyped))
    }

    @Test("a data key other than the one that sealed the tokens: no call is trusted, and the log says why")
    func wrongKey() throws {
        let store = try SeededStore()
        let other = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let (result, response) = try Self.voice(
            try ExampleData.event("voice-ai-agent"), store, environment: ["SWITCHBOARD_DATA_KEY": other])
        let elements = try Self.twiml(response)
        #expect(elements[1].text.contains("cannot take your call right now"))
        #expect(result.stderrText.contains("voice.tenant_token_unavailable"))
        #expect(result.stderrText.contains("not configured"))  // "…sealed with key id …, which is not configured"
    }

    @Test("a one-shot call leaves the embedded store without a write-ahead log, its record in the file itself")
    func noLogLeftBehind() throws {
        let store = try SeededStore()
        let event = try ExampleData.event("voice-voicemail")
        let (result, response) = try Self.voice(event, store)
        #expect(result.status == 0 && response?.statusCode == 200, "\(result.stderrText)")
        // The next process would otherwise read and checksum the whole log to rebuild its index.
        let log = (try? FileManager.default.attributesOfItem(atPath: store.storePath + "-wal")[.size] as? Int) ?? 0
        #expect(log == 0, "the write-ahead log holds \(log) bytes after the process exited")
        // Nothing is lost on the way: the call's record is in the database file.
        let fields = try #require(try JSONSerialization.jsonObject(with: event) as? [String: Any])
        var body = fields["body"] as? String ?? ""
        if fields["isBase64Encoded"] as? Bool == true {
            body = String(decoding: Data(base64Encoded: body) ?? Data(), as: UTF8.self)
        }
        let callSid = try #require(
            body.split(separator: "&").first { $0.hasPrefix("CallSid=") }?.dropFirst("CallSid=".count))
        let file = try #require(FileManager.default.contents(atPath: store.storePath))
        #expect(
            String(decoding: file, as: UTF8.self).contains(String(callSid)),
            "the call's record is not in the database file")
    }

    @Test("tokens are sealed at rest: the store file never holds them in clear")
    func sealedAtRest() throws {
        let store = try SeededStore()
        var bytes = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: store.storePath + suffix) { bytes += data }
        }
        #expect(!bytes.isEmpty)
        #expect(ExampleData.leakedSecrets(in: bytes).isEmpty)
        #expect(String(decoding: bytes, as: UTF8.self).contains("sealed:v1:"))
    }

    @Test(
        "log lines follow Lambda's logging configuration: timestamp, level and requestId keys; AWS_LAMBDA_LOG_LEVEL over LOG_LEVEL; Text format"
    )
    func lambdaLogging() throws {
        let store = try SeededStore()
        let event = try ExampleData.event("voice-forward")
        let (json, _) = try Self.voice(
            event, store,
            environment: ["LOG_LEVEL": "warning", "AWS_LAMBDA_LOG_LEVEL": "INFO", "AWS_LAMBDA_LOG_FORMAT": "JSON"])
        let answered = try #require(
            json.stderrText.split(separator: "\n").first { $0.contains("voice.answered") }, "\(json.stderrText)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(answered.utf8)) as? [String: Any])
        #expect(line["level"] as? String == "INFO")
        #expect(line["requestId"] as? String == "demo-voice-forward")
        #expect(line["function"] as? String == "Voice")
        #expect(line["time"] == nil && line["request.id"] == nil)
        let stamp = try #require(line["timestamp"] as? String)
        let parsed = try #require(ISO8601DateFormatter.withMilliseconds.date(from: stamp), "not RFC 3339: \(stamp)")
        #expect(abs(parsed.timeIntervalSinceNow) < 600)

        // The console's WARN silences the per-call INFO line, whatever LOG_LEVEL says.
        let (quiet, quietResponse) = try Self.voice(
            event, store, environment: ["LOG_LEVEL": "debug", "AWS_LAMBDA_LOG_LEVEL": "WARN"])
        #expect(quietResponse?.statusCode == 200)
        #expect(!quiet.stderrText.contains("voice.answered"))
        // A warning is written with Lambda's name for it, so WARN filtering keeps it.
        var unknown = try JSONSerialization.jsonObject(with: event) as! [String: Any]
        unknown["body"] = Data("To=%2B15559990000&From=%2B15557654321".utf8).base64EncodedString()
        let (refused, _) = try Self.voice(
            try JSONSerialization.data(withJSONObject: unknown), store, environment: ["AWS_LAMBDA_LOG_LEVEL": "WARN"])
        let levels = refused.stderrText.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["level"] as? String
        }
        #expect(
            !levels.isEmpty && levels.allSatisfy { ["WARN", "ERROR", "FATAL"].contains($0) }, "\(refused.stderrText)")

        // Text: one tab-separated line per event.
        let text = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: event,
            environment: store.environment.merging(["AWS_LAMBDA_LOG_FORMAT": "Text"]) { _, new in new })
        let fields = try #require(text.stderrText.split(separator: "\n").first { $0.contains("voice.answered") }).split(
            separator: "\t"
        ).map(String.init)
        #expect(fields.count > 4)
        #expect(ISO8601DateFormatter.withMilliseconds.date(from: fields[0]) != nil)
        #expect(fields[1] == "INFO" && fields[2] == "voice.answered")
        #expect(fields[3] == "requestId=demo-voice-forward")
        #expect(fields.contains("function=Voice"))
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with fractional seconds, as the log lines' `timestamp`.
    static var withMilliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
