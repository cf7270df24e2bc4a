import Foundation
import SwitchboardBase
import TestSupport
import Testing

/// A voicemail's recording and transcript come back to Voice as signed callbacks and join
/// the call's record: in any order, repeated, and only when signed by the company's own
/// account. Callbacks are signed by twilio-python; TwiML is read with a real XML parser.
@Suite("Voicemail recordings and transcripts")
struct VoicemailCallbackTests {
    typealias F = AdminAPIFixture
    typealias Callback = StatusCallbackTests.Callback

    static let recordingSid = "RE" + String(repeating: "7", count: 32)

    static func params(_ sid: String, account: String, _ extra: [(String, String)]) -> [(String, String)] {
        [
            ("AccountSid", account), ("CallSid", sid), ("From", "+15557654321"), ("To", "+15550200001"),
            ("ApiVersion", "2010-04-01"),
        ] + extra
    }

    static func recording(_ sid: String, account: String, token: String?, status: String = "completed") -> Callback {
        Callback(
            path: "/api/twilio/voice", query: "recording=1&companyId=\(F.birch)",
            params: params(
                sid, account: account,
                [
                    ("RecordingSid", recordingSid),
                    (
                        "RecordingUrl",
                        "https://api.twilio.com/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid)"
                    ),
                    ("RecordingStatus", status), ("RecordingDuration", "23"), ("RecordingChannels", "1"),
                    ("RecordingSource", "RecordVerb"),
                ]),
            token: token)
    }

    static func transcript(
        _ sid: String, account: String, token: String?, status: String = "completed", text: String
    ) -> Callback {
        Callback(
            path: "/api/twilio/voice", query: "transcript=1&companyId=\(F.birch)",
            params: params(
                sid, account: account,
                [
                    ("TranscriptionSid", "TR" + String(repeating: "7", count: 32)), ("TranscriptionText", text),
                    ("TranscriptionStatus", status), ("RecordingSid", recordingSid),
                ]),
            token: token)
    }

    @Test(
        "the voicemail's <Record> asks for its status and transcript; both join the record, whatever the order and however often",
        arguments: ["sqlite", "mongodb"])
    func recordingAndTranscript(backend: String) throws {
        let api = try F(backend: backend)
        let birch = try F.credentials(of: F.birch)
        let sid = "CA" + String(repeating: "7", count: 32)
        let words = "Hi, this is Dana about the lease.\r\nFrom: evil@example.com <script>alert(1)</script>"
        let answers = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: Self.params(
                        sid, account: birch.sid, [("CallStatus", "ringing"), ("Direction", "inbound")]),
                    token: birch.token),
                // The transcript comes first, then the recording's status, each twice.
                Self.transcript(sid, account: birch.sid, token: birch.token, text: words),
                Self.recording(sid, account: birch.sid, token: birch.token),
                Self.recording(sid, account: birch.sid, token: birch.token),
                Self.transcript(sid, account: birch.sid, token: birch.token, status: "failed", text: ""),
            ], api)

        let twiml = try ForwardFallbackTests.twiml(answers[0].0)
        #expect(twiml.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
        let record = twiml[2].attributes
        let voice = "https://\(WebhookEvents.host)/api/twilio/voice"
        #expect(record["recordingStatusCallback"] == "\(voice)?recording=1&companyId=\(F.birch)")
        #expect(record["recordingStatusCallbackMethod"] == "POST")
        #expect(record["recordingStatusCallbackEvent"] == "completed absent")
        #expect(record["transcribe"] == "true")
        #expect(record["transcribeCallback"] == "\(voice)?transcript=1&companyId=\(F.birch)")
        #expect(record["maxLength"] == "120")
        for (response, log) in answers.dropFirst() {
            #expect(response.statusCode == 204, "\(response.statusCode) \(response.body) \(log)")
        }

        let records = try StatusCallbackTests.archive(api, company: F.birch, kind: "call")
        #expect(records.count == 1)
        let stored = try #require(records.first)
        #expect(stored["decision"] as? String == "voicemail")
        #expect(stored["recordingSid"] as? String == Self.recordingSid)
        #expect(stored["recordingDurationSeconds"] as? Int == 23 && stored["recordingStatus"] as? String == "completed")
        // The first transcript stays: a late repeat saying otherwise changes nothing.
        #expect(stored["transcript"] as? String == words)
        #expect(stored["transcriptStatus"] as? String == "completed")
    }

    @Test(
        "a recording that is absent and a transcription that failed are recorded as such; transcribeVoicemail off asks for no transcript",
        arguments: ["sqlite", "mongodb"])
    func absentAndFailed(backend: String) throws {
        let api = try F(backend: backend)
        let birch = try F.credentials(of: F.birch)
        let silent = "CA" + String(repeating: "8", count: 32)
        let failed = "CA" + String(repeating: "9", count: 32)
        let answers = try StatusCallbackTests.post(
            [
                Self.recording(silent, account: birch.sid, token: birch.token, status: "absent"),
                Self.recording(failed, account: birch.sid, token: birch.token),
                Self.transcript(failed, account: birch.sid, token: birch.token, status: "failed", text: ""),
                // Without what it must carry: a 400, nothing written.
                Callback(
                    path: "/api/twilio/voice", query: "transcript=1&companyId=\(F.birch)",
                    params: Self.params(failed, account: birch.sid, [("TranscriptionStatus", "maybe")]),
                    token: birch.token),
            ], api)
        #expect(answers.prefix(3).allSatisfy { $0.0.statusCode == 204 })
        #expect(answers[3].0.statusCode == 400 && answers[3].0.body.contains("TranscriptionStatus"))
        let records = try StatusCallbackTests.archive(api, company: F.birch, kind: "call")
        let bySid = Dictionary(uniqueKeysWithValues: records.map { ($0["sid"] as? String ?? "", $0) })
        #expect(bySid[silent]?["recordingStatus"] as? String == "absent")
        #expect(bySid[silent]?["recordingSid"] == nil)
        #expect(bySid[failed]?["transcriptStatus"] as? String == "failed" && bySid[failed]?["transcript"] == nil)

        let admin = try api.adminToken()
        var config = try #require(try F.json(try api.get(F.birch, token: admin))["twilioConfig"] as? [String: Any])
        #expect(config["transcribeVoicemail"] as? Bool == true)
        config["transcribeVoicemail"] = false
        let saved = try api.put(
            F.birch, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(saved.statusCode == 200, "\(saved.body)")
        let call = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: Self.params(
                        "CA" + String(repeating: "6", count: 32), account: birch.sid, [("CallStatus", "ringing")]),
                    token: birch.token)
            ], api)
        let record = try ForwardFallbackTests.twiml(call[0].0)[2].attributes
        #expect(record["transcribe"] == nil && record["transcribeCallback"] == nil)
        #expect(record["recordingStatusCallback"] != nil)
    }

    @Test(
        "a recording or transcript callback signed by another company's account, or not signed, is a 403 and writes nothing",
        arguments: ["sqlite", "mongodb"])
    func refused(backend: String) throws {
        let api = try F(backend: backend)
        let acme = try F.credentials(of: F.acme)
        let birch = try F.credentials(of: F.birch)
        let sid = "CA" + String(repeating: "4", count: 32)
        let answers = try StatusCallbackTests.post(
            [
                // Acme's account, Acme's token, Birch's company id.
                Self.recording(sid, account: acme.sid, token: acme.token),
                // Birch's account named, Acme's token signing.
                Self.transcript(sid, account: birch.sid, token: acme.token, text: "forged"),
                // Not signed at all.
                Self.transcript(sid, account: birch.sid, token: nil, text: "unsigned"),
            ], api)
        for (response, log) in answers {
            #expect(response.statusCode == 403, "\(response.statusCode) \(log)")
            #expect(!response.body.contains("<Response"))
        }
        #expect(try StatusCallbackTests.archive(api, company: F.birch, kind: "call").isEmpty)
        #expect(try StatusCallbackTests.archive(api, company: F.acme, kind: "call").isEmpty)
    }
}
