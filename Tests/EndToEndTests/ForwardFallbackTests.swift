import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// A forward nobody answers: the dial's action comes back to Voice, the caller reaches
/// the company's voicemail (or is told goodbye, when the company chose `hangup`), and
/// the call's record holds the dial's outcome, the recording and how the call ended.
/// Callbacks are signed by twilio-python; TwiML is read with a real XML parser.
@Suite("A forward nobody answers")
struct ForwardFallbackTests {
    typealias F = AdminAPIFixture
    typealias Callback = StatusCallbackTests.Callback

    static func params(_ sid: String, account: String, _ extra: [(String, String)]) -> [(String, String)] {
        [
            ("AccountSid", account), ("CallSid", sid), ("From", "+15557654321"), ("To", "+15550300001"),
            ("Direction", "inbound"),
            ("ApiVersion", "2010-04-01"),
        ] + extra
    }

    static func twiml(_ response: HTTPResponse) throws -> [TwiMLReader.Element] {
        #expect(
            response.statusCode == 200 && response.headers["content-type"]?.hasPrefix("text/xml") == true,
            "\(response.statusCode) \(response.body)")
        return try TwiMLReader.read(response.body)
    }

    @Test(
        "the forward rings out: voicemail, the recording, and one record holding the dial's outcome and the call's",
        arguments: ["sqlite", "mongodb"])
    func ringsOut(backend: String) throws {
        let api = try F(backend: backend)
        let cedar = try F.credentials(of: F.cedar)
        let sid = "CA" + String(repeating: "5", count: 32)
        let query = "companyId=\(F.cedar)"
        let answers = try StatusCallbackTests.post(
            [
                // The call arrives: Cedar forwards it, with the dial's action back to Voice.
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: Self.params(sid, account: cedar.sid, [("CallStatus", "ringing")]), token: cedar.token),
                // Nobody answers the forward, and Twilio posts the action (twice: a retry).
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&" + query,
                    params: Self.params(
                        sid, account: cedar.sid,
                        [("CallStatus", "in-progress"), ("DialCallStatus", "no-answer"), ("DialCallDuration", "0")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&" + query,
                    params: Self.params(
                        sid, account: cedar.sid,
                        [("CallStatus", "in-progress"), ("DialCallStatus", "completed"), ("DialCallDuration", "9")]),
                    token: cedar.token),
                // The caller leaves a message.
                Callback(
                    path: "/api/twilio/voice", query: "recorded=1&" + query,
                    params: Self.params(
                        sid, account: cedar.sid,
                        [
                            ("RecordingSid", "RE" + String(repeating: "5", count: 32)),
                            ("RecordingUrl", "https://api.twilio.com/rec/RE5"), ("RecordingDuration", "17"),
                        ]),
                    token: cedar.token),
                // And the call ends.
                Callback(
                    path: "/api/twilio/voice/status", query: query,
                    params: Self.params(
                        sid, account: cedar.sid,
                        [("CallStatus", "completed"), ("CallDuration", "48"), ("SequenceNumber", "3")]),
                    token: cedar.token),
            ], api)

        let dial = try Self.twiml(answers[0].0)
        #expect(dial.map(\.name) == ["Response", "Dial", "Number"])
        #expect(
            dial[1].attributes["action"]
                == "https://\(WebhookEvents.host)/api/twilio/voice?dialed=1&companyId=\(F.cedar)")
        let voicemail = try Self.twiml(answers[1].0)
        #expect(voicemail.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
        #expect(voicemail[1].text.hasPrefix("You have reached Cedar Plumbing."))
        #expect(
            voicemail[2].attributes["action"]
                == "https://\(WebhookEvents.host)/api/twilio/voice?recorded=1&companyId=\(F.cedar)")
        #expect(answers[1].1.contains("voice.forward_unanswered"))
        // The retried action says the dial completed; the record keeps the first outcome.
        #expect(try Self.twiml(answers[2].0).map(\.name) == ["Response", "Hangup"])
        #expect(try Self.twiml(answers[3].0).map(\.name) == ["Response", "Say", "Hangup"])
        #expect(answers[4].0.statusCode == 204)

        let records = try StatusCallbackTests.archive(api, company: F.cedar, kind: "call")
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record["decision"] as? String == "forward")
        #expect(
            record["dialStatus"] as? String == "no-answer" && record["dialDurationSeconds"] as? Int == 0, "\(record)")
        #expect(record["forwardFallback"] as? String == "voicemail")
        #expect(
            record["recordingSid"] as? String == "RE" + String(repeating: "5", count: 32)
                && record["recordingDuration"] as? String == "17")
        #expect(
            record["status"] as? String == "completed" && record["durationSeconds"] as? Int == 48
                && record["answered"] as? Bool == true)
    }

    @Test(
        "forwardFallback hangup: a busy forward ends with a goodbye; ConfigGet shows it, ConfigPut refuses an unknown one and defaults to voicemail",
        arguments: ["sqlite", "mongodb"])
    func hangup(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let cedar = try F.credentials(of: F.cedar)
        let before = try F.json(try api.get(F.cedar, token: admin))
        var config = try #require(before["twilioConfig"] as? [String: Any])
        #expect(config["forwardFallback"] as? String == "voicemail")

        config["forwardFallback"] = "ring-forever"
        let refused = try api.put(
            F.cedar, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(refused.statusCode == 422)
        let errors = try F.json(refused)["errors"] as? [[String: Any]] ?? []
        #expect(
            errors.contains {
                $0["field"] as? String == "forwardFallback"
                    && ($0["message"] as? String)?.contains("voicemail, hangup") == true
            }, "\(errors)")

        config["forwardFallback"] = "hangup"
        let saved = try api.put(
            F.cedar, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(saved.statusCode == 200, "\(saved.body)")
        #expect(
            (try F.json(try api.get(F.cedar, token: admin))["twilioConfig"] as? [String: Any])?["forwardFallback"]
                as? String == "hangup")

        let sid = "CA" + String(repeating: "6", count: 32)
        let answers = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&companyId=\(F.cedar)",
                    params: Self.params(
                        sid, account: cedar.sid,
                        [("CallStatus", "in-progress"), ("DialCallStatus", "busy"), ("DialCallDuration", "0")]),
                    token: cedar.token),
                // Another company's account cannot post Cedar's dial action.
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&companyId=\(F.cedar)",
                    params: Self.params(
                        "CA" + String(repeating: "7", count: 32), account: try F.credentials(of: F.acme).sid,
                        [("DialCallStatus", "busy")]),
                    token: try F.credentials(of: F.acme).token),
            ], api)
        let goodbye = try Self.twiml(answers[0].0)
        #expect(goodbye.map(\.name) == ["Response", "Say", "Hangup"])
        #expect(goodbye[1].text.contains("nobody is available"))
        #expect(answers[1].0.statusCode == 403)
        let records = try StatusCallbackTests.archive(api, company: F.cedar, kind: "call")
        #expect(records.count == 1)
        #expect(
            records.first?["dialStatus"] as? String == "busy"
                && records.first?["forwardFallback"] as? String == "hangup")

        // explain names the fallback.
        let explained = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["explain", "+15550300001"], environment: api.environment)
        #expect(
            explained.stdoutText.contains("unanswered, busy or failed: hangs up"),
            "\(explained.stdoutText) \(explained.stderrText)")
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "forwardRingSeconds: ConfigPut takes 5-600, the Voice answer rings that long (the snapshot, the projection), a PUT without it goes back to 20 s, before a mobile's own voicemail answers",
        arguments: ["sqlite", "mongodb"])
    func ringTime(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let cedar = try F.credentials(of: F.cedar)
        var config = try #require(try F.json(try api.get(F.cedar, token: admin))["twilioConfig"] as? [String: Any])
        #expect(config["forwardRingSeconds"] as? Int == 20)
        func put(_ config: [String: Any]) throws -> HTTPResponse {
            try api.put(
                F.cedar, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self),
                token: admin)
        }
        func dialTimeout() throws -> String? {
            let sid = "CA" + String(repeating: "9", count: 32)
            let answers = try StatusCallbackTests.post(
                [
                    Callback(
                        path: "/api/twilio/voice", query: "",
                        params: Self.params(sid, account: cedar.sid, [("CallStatus", "ringing")]), token: cedar.token)
                ], api)
            let dial = try Self.twiml(answers[0].0)
            #expect(dial.map(\.name) == ["Response", "Dial", "Number"])
            return dial.count > 1 ? dial[1].attributes["timeout"] : nil
        }

        config["forwardRingSeconds"] = 3
        let refused = try put(config)
        #expect(refused.statusCode == 422)
        #expect(
            (try F.json(refused)["errors"] as? [[String: Any]] ?? []).contains {
                $0["field"] as? String == "forwardRingSeconds"
                    && ($0["message"] as? String)?.contains("from 5 to 600") == true
            })

        config["forwardRingSeconds"] = 18
        #expect(try put(config).statusCode == 200)
        #expect(
            (try F.json(try api.get(F.cedar, token: admin))["twilioConfig"] as? [String: Any])?["forwardRingSeconds"]
                as? Int == 18)
        #expect(try api.storedDocument(F.cedar).contains("forwardRingSeconds"))
        #expect(try dialTimeout() == "18")

        config.removeValue(forKey: "forwardRingSeconds")
        #expect(try put(config).statusCode == 200)
        #expect(try dialTimeout() == "20")
        #expect(!(try api.storedDocument(F.cedar).contains("forwardRingSeconds")))
        try api.checkAgainstOpenAPI()
    }
}
