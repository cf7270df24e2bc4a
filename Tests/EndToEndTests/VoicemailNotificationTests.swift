import Foundation
import SwitchboardBase
import SwitchboardCore
import Synchronization
import TestSupport
import Testing

/// A company hears of every voicemail and, when it asks, every missed call: a text
/// message through its own Twilio account (the stand-in, reading back what Twilio was
/// asked to send) and an e-mail through a real SMTP server on loopback (aiosmtpd, with
/// STARTTLS and a login, reading back exactly what arrived). Callbacks are signed by
/// twilio-python; the scheduled run is the Health function as EventBridge starts it.
@Suite("Voicemail and missed-call notifications")
struct VoicemailNotificationTests {
    typealias F = AdminAPIFixture
    typealias Callback = StatusCallbackTests.Callback
    typealias V = VoicemailCallbackTests

    static let onDuty = "+15557770001"
    static let office = "office@birch.example"
    static let sender = "voicemail@switchboard.example"
    static let login = ("switchboard", "relay-password-7f3a9c")

    /// The fixture with the relay set up, and Birch telling `notifySms`/`notifyEmail` of `notifyOn`.
    static func fixture(
        _ backend: String, smtp: SMTPServer, notifyOn: [String]? = nil, extra: [String: String] = [:]
    ) throws -> F {
        var environment = [
            "SWITCHBOARD_SMTP_URL": smtp.url, "SWITCHBOARD_MAIL_FROM": sender,
            "SWITCHBOARD_SMTP_CA_FILE": TestCertificates.shared.path("ca.pem"),
            "SWITCHBOARD_SMTP_USER": login.0, "SWITCHBOARD_SMTP_PASSWORD": login.1,
        ]
        environment.merge(extra) { _, new in new }
        let api = try F(backend: backend, extraEnvironment: environment)
        try configure(api, F.birch) { config in
            config["notifySms"] = ["+1 (555) 777-0001"]
            config["notifyEmail"] = [office]
            if let notifyOn { config["notifyOn"] = notifyOn }
        }
        return api
    }

    /// Changes company `id`'s settings through ConfigPut, as an admin.
    static func configure(_ api: F, _ id: String, _ change: (inout [String: Any]) -> Void) throws {
        let admin = try api.adminToken()
        var config = try #require(try F.json(try api.get(id, token: admin))["twilioConfig"] as? [String: Any])
        change(&config)
        let saved = try api.put(
            id, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(saved.statusCode == 200, "\(saved.body)")
    }

    /// The messages the stand-in was asked to send to the on-duty number.
    static func texts(_ api: F) throws -> [[String: Any]] {
        try api.twilio.messages().filter { ($0["to"] as? String) == onDuty }
    }

    static func ledgerEntry(_ api: F, company: String, call: String) throws -> NotificationEntry? {
        let store = try Stores.open(Environment(api.environment), appName: "switchboard-tests")
        return try store.notificationLedger().entry(
            NotificationKey(companyID: try CompanyID(company), callSid: call))
    }

    @Test(
        "a voicemail is announced once its transcript arrives: one text from the called number, one e-mail over STARTTLS; repeats send nothing",
        arguments: ["sqlite", "mongodb"])
    func announcedWithTranscript(backend: String) throws {
        let smtp = try SMTPServer(login: Self.login)
        let api = try Self.fixture(backend, smtp: smtp)
        let birch = try F.credentials(of: F.birch)
        let sid = "CA" + String(repeating: "a", count: 32)
        let hostile =
            "Hi it's Dana.\r\nBcc: everyone@example.com\r\n\r\n<script>alert('x')</script> & call me back "
            + String(repeating: "about the lease ", count: 250)
        let answers = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: V.params(sid, account: birch.sid, [("CallStatus", "ringing"), ("Direction", "inbound")]),
                    token: birch.token),
                V.recording(sid, account: birch.sid, token: birch.token),
            ], api)
        #expect(answers.allSatisfy { $0.0.statusCode == 200 || $0.0.statusCode == 204 })
        // Waiting for the transcript: nothing sent yet.
        #expect(try Self.texts(api).isEmpty && (try smtp.received()).isEmpty)
        #expect(try Self.ledgerEntry(api, company: F.birch, call: sid)?.state == .pending)

        let transcript = try StatusCallbackTests.post(
            [
                V.transcript(sid, account: birch.sid, token: birch.token, text: hostile),
                V.transcript(sid, account: birch.sid, token: birch.token, text: hostile),
            ], api)
        #expect(transcript.allSatisfy { $0.0.statusCode == 204 }, "\(transcript.map(\.1))")

        let texts = try Self.texts(api)
        #expect(texts.count == 1, "\(texts)")
        let text = try #require(texts.first)
        #expect(text["from"] as? String == "+15550200001")
        let body = try #require(text["body"] as? String)
        #expect(body.hasPrefix("Voicemail for Birch & Partners Law from +15557654321"))
        // The transcript on one line, cut with "..." so the link still fits two segments.
        #expect(body.contains(", 23 s: \"Hi it's Dana. Bcc: every"), "\(body)")
        #expect(body.contains("...\" Listen: https://"))
        #expect(!body.contains("\r") && !body.contains("\n"))
        #expect(SMSEncoding.segments(of: body) <= 2, "\(body.count) characters")

        let mails = try smtp.received()
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail.tls && mail.login == Self.login.0)
        #expect(mail.mailFrom == Self.sender && mail.recipients == [Self.office])
        #expect(mail.header("From") == "<\(Self.sender)>" && mail.header("To") == "<\(Self.office)>")
        // The caller's words added no header: exactly the ones Switchboard writes.
        #expect(
            mail.headerNames == [
                "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type",
            ], "\(mail.headerNames)")
        #expect(mail.subject == "Voicemail from +15557654321 for Birch & Partners Law")
        let plain = try #require(mail.part("text/plain"))
        #expect(plain.contains("From: +15557654321") && plain.contains("Length: 23 seconds"))
        #expect(plain.contains("Hi it's Dana.\r\nBcc: everyone@example.com\r\n\r\n<script>"))
        let html = try #require(mail.part("text/html"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; call me back"))
        #expect(!html.contains("<script>") && html.contains("Birch &amp; Partners Law"))

        let entry = try #require(try Self.ledgerEntry(api, company: F.birch, call: sid))
        #expect(entry.state == .sent && entry.sentAt != nil)
        let listed = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.birch)/calls", token: try api.companyToken(F.birch)
        ).response
        let told =
            (try F.json(listed)["records"] as? [[String: Any]] ?? []).first { $0["sid"] as? String == sid }?[
                "notification"] as? [String: Any]
        #expect(told?["state"] as? String == "sent" && told?["sentAt"] is String && told?["lastError"] == nil)
        // The scheduled run finds nothing left to send.
        let run = try HealthTests.scheduledRun(api.environment)
        #expect(run.stderrText.contains("notification.pass") && !run.stderrText.contains("notification.sent"))
        #expect(try Self.texts(api).count == 1 && (try smtp.received()).count == 1)
        // The relay's password and the company's token never reach a log.
        for (_, log) in answers + transcript {
            #expect(!log.contains(Self.login.1) && !log.contains(birch.token))
        }
    }

    @Test(
        "a transcript that never comes: the scheduled run announces the voicemail without it, once",
        arguments: ["sqlite", "mongodb"])
    func transcriptNeverComes(backend: String) throws {
        let smtp = try SMTPServer(login: Self.login)
        let api = try Self.fixture(backend, smtp: smtp, extra: ["SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS": "0"])
        let birch = try F.credentials(of: F.birch)
        let sid = "CA" + String(repeating: "b", count: 32)
        _ = try StatusCallbackTests.post([V.recording(sid, account: birch.sid, token: birch.token)], api)
        #expect(try Self.texts(api).isEmpty)

        let run = try HealthTests.scheduledRun(api.environment)
        #expect(run.stderrText.contains("notification.sent"), "\(run.stderrText)")
        let texts = try Self.texts(api)
        #expect(texts.count == 1)
        let body = texts.first?["body"] as? String ?? ""
        #expect(body.contains("Voicemail for Birch & Partners Law") && body.contains(", 23 s."), "\(body)")
        let mail = try #require(try smtp.received().first)
        #expect(mail.part("text/plain")?.contains("No transcript.") == true)

        _ = try HealthTests.scheduledRun(api.environment)
        // The transcript arriving late sends nothing more.
        _ = try StatusCallbackTests.post(
            [V.transcript(sid, account: birch.sid, token: birch.token, text: "late words")], api)
        #expect(try Self.texts(api).count == 1 && (try smtp.received()).count == 1)
    }

    @Test(
        "concurrent duplicate transcript callbacks send one text and one e-mail",
        arguments: ["sqlite", "mongodb"])
    func concurrentDuplicates(backend: String) throws {
        let smtp = try SMTPServer(login: Self.login)
        let api = try Self.fixture(backend, smtp: smtp)
        let birch = try F.credentials(of: F.birch)
        let sid = "CA" + String(repeating: "c", count: 32)
        _ = try StatusCallbackTests.post([V.recording(sid, account: birch.sid, token: birch.token)], api)
        let callback = V.transcript(sid, account: birch.sid, token: birch.token, text: "Please call back.")
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let status = (try? StatusCallbackTests.post([callback], api).first?.0.statusCode) ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 }.allSatisfy { $0 == 204 }, "\(statuses.withLock { $0 })")
        #expect(try Self.texts(api).count == 1)
        #expect(try smtp.received().count == 1)
    }

    @Test(
        "missed calls, when notifyOn asks: a forward nobody answered and a caller who hung up before the beep; an answered forward and the default notifyOn send nothing",
        arguments: ["sqlite", "mongodb"])
    func missedCalls(backend: String) throws {
        let smtp = try SMTPServer(login: Self.login)
        let api = try Self.fixture(
            backend, smtp: smtp, notifyOn: ["voicemail", "missed-call"],
            extra: ["SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS": "0"])
        // Cedar forwards and says goodbye when nobody answers; it tells the on-duty number of missed calls.
        try Self.configure(api, F.cedar) { config in
            config["forwardFallback"] = "hangup"
            config["notifySms"] = [Self.onDuty]
            config["notifyOn"] = ["missed-call"]
        }
        let cedar = try F.credentials(of: F.cedar)
        let birch = try F.credentials(of: F.birch)
        let unanswered = "CA" + String(repeating: "d", count: 32)
        let answered = "CA" + String(repeating: "e", count: 32)
        let hungUp = "CA" + String(repeating: "f", count: 32)
        func cedarParams(_ sid: String, _ extra: [(String, String)]) -> [(String, String)] {
            ForwardFallbackTests.params(sid, account: cedar.sid, extra)
        }
        let cedarQuery = "companyId=\(F.cedar)"
        _ = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "", params: cedarParams(unanswered, [("CallStatus", "ringing")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&" + cedarQuery,
                    params: cedarParams(unanswered, [("DialCallStatus", "no-answer"), ("DialCallDuration", "0")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "", params: cedarParams(answered, [("CallStatus", "ringing")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&" + cedarQuery,
                    params: cedarParams(answered, [("DialCallStatus", "completed"), ("DialCallDuration", "61")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice/status", query: cedarQuery,
                    params: cedarParams(
                        answered, [("CallStatus", "completed"), ("CallDuration", "70"), ("SequenceNumber", "2")]),
                    token: cedar.token),
                // Birch's caller hangs up during the greeting: no recording, only the call's end.
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: V.params(
                        hungUp, account: birch.sid, [("CallStatus", "ringing"), ("Direction", "inbound")]),
                    token: birch.token),
                Callback(
                    path: "/api/twilio/voice/status", query: "companyId=\(F.birch)",
                    params: V.params(
                        hungUp, account: birch.sid,
                        [("CallStatus", "completed"), ("CallDuration", "6"), ("Direction", "inbound")]),
                    token: birch.token),
            ], api)
        #expect(try Self.texts(api).isEmpty)
        let run = try HealthTests.scheduledRun(api.environment)
        let bodies = try Self.texts(api).compactMap { $0["body"] as? String }
        #expect(bodies.count == 2, "\(bodies) \(run.stderrText)")
        #expect(
            bodies.contains { $0.hasPrefix("Missed call for Cedar Plumbing") && $0.contains("No message was left") })
        #expect(bodies.contains { $0.hasPrefix("Missed call for Birch & Partners Law") })
        #expect(try Self.ledgerEntry(api, company: F.cedar, call: answered)?.state == .skipped)
        let mail = try #require(try smtp.received().first)
        #expect(mail.subject == "Missed call from +15557654321 for Birch & Partners Law")
        #expect(try smtp.received().count == 1)  // only Birch has an address

        // With the default notifyOn (voicemail), a missed call is not even scheduled.
        try Self.configure(api, F.cedar) { $0["notifyOn"] = nil }
        let another = "CA" + String(repeating: "9", count: 31) + "0"
        _ = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "dialed=1&" + cedarQuery,
                    params: cedarParams(another, [("DialCallStatus", "busy")]), token: cedar.token)
            ], api)
        #expect(try Self.ledgerEntry(api, company: F.cedar, call: another) == nil)
    }

    @Test(
        "a send that fails is kept with its cause and whom it reached; a relay without STARTTLS is refused",
        arguments: ["sqlite"])
    func failures(backend: String) throws {
        let plain = try SMTPServer(starttls: false)
        let api = try Self.fixture(backend, smtp: plain)
        let birch = try F.credentials(of: F.birch)
        try api.twilio.inject([["match": "/Messages.json", "status": 503, "code": 20500, "times": 1]])
        let sid = "CA" + String(repeating: "1", count: 31) + "a"
        _ = try StatusCallbackTests.post(
            [
                V.recording(sid, account: birch.sid, token: birch.token),
                V.transcript(sid, account: birch.sid, token: birch.token, text: "Call me."),
            ], api)
        let entry = try #require(try Self.ledgerEntry(api, company: F.birch, call: sid))
        #expect(entry.state == .failed && entry.failures == 1 && entry.dueAt != nil)
        let why = entry.lastError ?? ""
        #expect(why.contains("SMS to +15557770001") && why.contains("503"), "\(why)")
        #expect(why.contains("e-mail to office@birch.example"), "\(why)")
        #expect(!why.contains(Self.login.1))
        #expect(try plain.received().isEmpty)  // nothing went in clear
        #expect(entry.delivered.isEmpty)
        // The failure is in the call's record as the API (and the admin page) shows it.
        let listed = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.birch)/calls", token: try api.adminToken()
        ).response
        let calls = try F.json(listed)["records"] as? [[String: Any]] ?? []
        let told = calls.first { $0["sid"] as? String == sid }?["notification"] as? [String: Any]
        #expect(told?["state"] as? String == "failed" && told?["failures"] as? Int == 1, "\(calls)")
        #expect((told?["lastError"] as? String)?.contains("503") == true && told?["nextTryAt"] is String)
        try api.checkAgainstOpenAPI()
    }

    @Test("notifySms, notifyEmail and notifyOn are checked by the one validator and shown by ConfigGet")
    func validated() throws {
        let api = try F()
        let admin = try api.adminToken()
        var config = try #require(try F.json(try api.get(F.birch, token: admin))["twilioConfig"] as? [String: Any])
        #expect(config["notifySms"] as? [String] == [] && config["notifyEmail"] as? [String] == [])
        #expect(config["notifyOn"] as? [String] == ["voicemail"])
        config["notifySms"] = ["+15550200001", "not a number", "+15557770001", "+15557770001"]
        config["notifyEmail"] = ["office@birch.example\r\nBcc: x@example.com", "a@b"]
        config["notifyOn"] = ["voicemail", "fax"]
        let refused = try api.put(
            F.birch, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(refused.statusCode == 422)
        let errors = (try F.json(refused)["errors"] as? [[String: Any]] ?? []).map {
            "\($0["field"] ?? ""): \($0["message"] ?? "")"
        }
        let sms = errors.first { $0.hasPrefix("notifySms") } ?? ""
        #expect(
            sms.contains("entry 1: +15550200001 is one of this company's own numbers")
                && sms.contains("entry 2: \"not a number\" is not a phone number")
                && sms.contains("entry 4: \"+15557770001\" is listed twice"), "\(errors)")
        let email = errors.first { $0.hasPrefix("notifyEmail") } ?? ""
        #expect(
            email.contains("entry 1: holds a line break or another control character")
                && email.contains("entry 2: \"a@b\" is not an e-mail address"), "\(email)")
        #expect(errors.contains { $0.contains("notifyOn") && $0.contains("voicemail, missed-call") })
        // The message quotes no line break: the address is shown as JSON escapes it.
        #expect(!refused.body.contains("\r\nBcc"))
    }
}
