import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Routing that fits a business, through the built functions on both backends: hours
/// and after hours, ring groups with press-1 screening, blocked callers. The settings go
/// in through ConfigPut as an admin would set them; every webhook and callback is signed
/// by twilio-python with the company's token; TwiML is read with a real XML parser; the
/// archive is read back through `switchboard archive`.
@Suite("Routing that fits a business")
struct RoutingTests {
    typealias F = AdminAPIFixture
    typealias Callback = StatusCallbackTests.Callback
    static let first = "+15550399991", second = "+15550399992"
    static let host = "https://\(WebhookEvents.host)"

    static func call(_ sid: String, _ account: String, from: String = "+15557654321", _ extra: [(String, String)] = [])
        -> [(String, String)]
    {
        [
            ("AccountSid", account), ("CallSid", sid), ("From", from), ("To", "+15550300001"),
            ("Direction", "inbound"), ("ApiVersion", "2010-04-01"), ("CallStatus", "in-progress"),
        ] + extra
    }

    /// A forwarded leg's request: Twilio posts it from the leg that rang `member`.
    static func leg(_ sid: String, _ account: String, member: String, _ extra: [(String, String)] = []) -> [(
        String, String
    )] {
        [
            ("AccountSid", account), ("CallSid", sid), ("From", "+15550300001"), ("To", member),
            ("Direction", "outbound-dial"), ("ApiVersion", "2010-04-01"), ("CallStatus", "in-progress"),
        ] + extra
    }

    /// The query of a callback URL Voice wrote into its TwiML.
    static func query(_ url: String?) throws -> String {
        let url = try #require(url)
        #expect(url.hasPrefix(host + "/api/twilio/voice?"), "\(url)")
        return String(url.split(separator: "?", maxSplits: 1).last ?? "")
    }

    static func twiml(_ answer: (HTTPResponse, String)) throws -> [TwiMLReader.Element] {
        try ForwardFallbackTests.twiml(answer.0)
    }

    @Test(
        "a screened group at once: a voicemail picks up and never takes the call, the other number rings on, and only a pressed 1 bridges; the record says who accepted",
        arguments: ["sqlite", "mongodb"])
    func screenedGroup(backend: String) throws {
        let api = try F(backend: backend)
        let cedar = try F.credentials(of: F.cedar)
        try VoicemailNotificationTests.configure(api, F.cedar) {
            $0["forwardNumbers"] = [Self.first, "+1 (555) 039-9992"]
            $0["forwardScreening"] = true
            $0["forwardRingSeconds"] = 30
        }
        let shown = try F.json(try api.get(F.cedar, token: try api.adminToken()))["twilioConfig"] as? [String: Any]
        #expect(shown?["forwardNumbers"] as? [String] == [Self.first, Self.second])
        #expect(shown?["forwardStrategy"] as? String == "simultaneous")

        let sid = "CA" + String(repeating: "1", count: 32)
        let voicemailLeg = "CA" + String(repeating: "2", count: 32)
        let personLeg = "CA" + String(repeating: "3", count: 32)
        let arrival = try StatusCallbackTests.post(
            [Callback(path: "/api/twilio/voice", query: "", params: Self.call(sid, cedar.sid), token: cedar.token)], api
        )
        let dial = try Self.twiml(arrival[0])
        #expect(dial.map(\.name) == ["Response", "Dial", "Number", "Number"])
        #expect(dial[1].attributes["timeout"] == "30")
        #expect(dial[2].text == Self.first && dial[3].text == Self.second)
        let screenFirst = try Self.query(dial[2].attributes["url"])
        let action = try Self.query(dial[1].attributes["action"])

        // The first number's voicemail picks up: it hears the prompt, presses nothing
        // (Twilio then runs the Hangup), and a wrong key from it would end it the same way.
        let screened = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: screenFirst,
                    params: Self.leg(voicemailLeg, cedar.sid, member: Self.first), token: cedar.token),
                Callback(
                    path: "/api/twilio/voice",
                    query: screenFirst.replacingOccurrences(of: "screen=1", with: "accept=1"),
                    params: Self.leg(voicemailLeg, cedar.sid, member: Self.first, [("Digits", "2")]),
                    token: cedar.token),
                // The dial ends with that leg: the second number rings on, alone.
                Callback(
                    path: "/api/twilio/voice", query: action,
                    params: Self.call(
                        sid, cedar.sid,
                        [("DialCallStatus", "completed"), ("DialCallSid", voicemailLeg), ("DialCallDuration", "9")]),
                    token: cedar.token),
            ], api)
        // A press of 1 signed by another company's account, or by nobody, takes nothing.
        let acme = try F.credentials(of: F.acme)
        let forged = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice",
                    query: screenFirst.replacingOccurrences(of: "screen=1", with: "accept=1"),
                    params: Self.leg(voicemailLeg, acme.sid, member: Self.first, [("Digits", "1")]), token: acme.token),
                Callback(
                    path: "/api/twilio/voice",
                    query: screenFirst.replacingOccurrences(of: "screen=1", with: "accept=1"),
                    params: Self.leg(voicemailLeg, cedar.sid, member: Self.first, [("Digits", "1")]), token: nil),
            ], api)
        #expect(forged.map(\.0.statusCode) == [403, 403], "\(forged.map(\.0.body))")
        let prompt = try Self.twiml(screened[0])
        #expect(prompt.map(\.name) == ["Response", "Gather", "Say", "Say", "Say", "Hangup"])
        #expect(prompt[3].text == "Press 1 to accept this call." && prompt[4].text == "Goodbye.")
        #expect(try Self.twiml(screened[1]).map(\.name) == ["Response", "Say", "Hangup"])
        let again = try Self.twiml(screened[2])
        #expect(again.map(\.name) == ["Response", "Dial", "Number"], "\(screened[2].0.body)")
        #expect(again[2].text == Self.second)
        let left = Int(again[1].attributes["timeout"] ?? "") ?? 0
        #expect((20...30).contains(left), "the second number rings for the time left: \(left)")

        // A person answers the second number and presses 1: the caller is bridged.
        let screenSecond = try Self.query(again[2].attributes["url"])
        let taken = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: screenSecond,
                    params: Self.leg(personLeg, cedar.sid, member: Self.second), token: cedar.token),
                Callback(
                    path: "/api/twilio/voice",
                    query: screenSecond.replacingOccurrences(of: "screen=1", with: "accept=1"),
                    params: Self.leg(personLeg, cedar.sid, member: Self.second, [("Digits", "1")]),
                    token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: try Self.query(again[1].attributes["action"]),
                    params: Self.call(
                        sid, cedar.sid,
                        [("DialCallStatus", "completed"), ("DialCallSid", personLeg), ("DialCallDuration", "95")]),
                    token: cedar.token),
            ], api)
        #expect(try Self.twiml(taken[1]).map(\.name) == ["Response"])
        #expect(try Self.twiml(taken[2]).map(\.name) == ["Response", "Hangup"])

        let records = try StatusCallbackTests.archive(api, company: F.cedar, kind: "call")
        let record = try #require(records.first { $0["sid"] as? String == sid })
        #expect(
            record["acceptedBy"] as? String == Self.second && record["screening"] as? String == "accepted", "\(record)")
        #expect(record["forwardFallback"] == nil)
        let legs = records.filter { $0["decision"] as? String == "screening" }
        #expect(Set(legs.compactMap { $0["to"] as? String }) == [Self.first, Self.second])
    }

    @Test(
        "a screened sequence nobody accepts: each number in turn, then the company's voicemail; the record says nobody accepted",
        arguments: ["sqlite", "mongodb"])
    func nobodyAccepts(backend: String) throws {
        let api = try F(backend: backend)
        let cedar = try F.credentials(of: F.cedar)
        try VoicemailNotificationTests.configure(api, F.cedar) {
            $0["forwardNumbers"] = [Self.first, Self.second]
            $0["forwardStrategy"] = "sequential"
            $0["forwardScreening"] = true
        }
        let sid = "CA" + String(repeating: "4", count: 32)
        let arrival = try StatusCallbackTests.post(
            [Callback(path: "/api/twilio/voice", query: "", params: Self.call(sid, cedar.sid), token: cedar.token)], api
        )
        let dial = try Self.twiml(arrival[0])
        #expect(dial.map(\.name) == ["Response", "Dial", "Number"] && dial[2].text == Self.first)
        #expect(dial[1].attributes["timeout"] == "20")
        // The first number's leg picks up (a fax, say) and ends unaccepted.
        let faxLeg = "CA" + String(repeating: "5", count: 32)
        let firstEnd = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: try Self.query(dial[2].attributes["url"]),
                    params: Self.leg(faxLeg, cedar.sid, member: Self.first), token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: try Self.query(dial[1].attributes["action"]),
                    params: Self.call(sid, cedar.sid, [("DialCallStatus", "completed"), ("DialCallSid", faxLeg)]),
                    token: cedar.token),
            ], api)
        let next = try Self.twiml(firstEnd[1])
        #expect(
            next.map(\.name) == ["Response", "Dial", "Number"] && next[2].text == Self.second, "\(firstEnd[1].0.body)")
        // The second number does not answer: the company's voicemail.
        let last = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: try Self.query(next[1].attributes["action"]),
                    params: Self.call(sid, cedar.sid, [("DialCallStatus", "no-answer")]), token: cedar.token)
            ], api)
        #expect(try Self.twiml(last[0]).map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
        let record = try #require(
            try StatusCallbackTests.archive(api, company: F.cedar, kind: "call").first { $0["sid"] as? String == sid })
        #expect(record["screening"] as? String == "nobody-accepted" && record["acceptedBy"] == nil, "\(record)")
        #expect(record["forwardFallback"] as? String == "voicemail")
    }

    @Test(
        "blocked and withheld callers are rejected as busy and blocked senders get no reply; each recorded as blocked",
        arguments: ["sqlite", "mongodb"])
    func blocked(backend: String) throws {
        let api = try F(backend: backend)
        let cedar = try F.credentials(of: F.cedar)
        try VoicemailNotificationTests.configure(api, F.cedar) {
            $0["blockedCallers"] = ["+1900*", "+1 555 765 0000"]
            $0["rejectAnonymous"] = true
            $0["smsAutoReply"] = "Thanks, we will call you back."
            $0["smsMode"] = "auto-reply"
        }
        let robocall = "CA" + String(repeating: "6", count: 32)
        let withheld = "CA" + String(repeating: "7", count: 32)
        let welcome = "CA" + String(repeating: "8", count: 32)
        let message = "SM" + String(repeating: "9", count: 32)
        let answers = try StatusCallbackTests.post(
            [
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: Self.call(robocall, cedar.sid, from: "+19005550123"), token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "",
                    params: Self.call(withheld, cedar.sid, from: "Anonymous"), token: cedar.token),
                Callback(
                    path: "/api/twilio/voice", query: "", params: Self.call(welcome, cedar.sid), token: cedar.token),
                Callback(
                    path: "/api/twilio/sms", query: "",
                    params: [
                        ("AccountSid", cedar.sid), ("MessageSid", message), ("From", "+15557650000"),
                        ("To", "+15550300001"), ("Body", "Buy now"),
                    ], token: cedar.token),
            ], api)
        for index in 0..<2 {
            let reject = try Self.twiml(answers[index])
            #expect(reject.map(\.name) == ["Response", "Reject"] && reject[1].attributes["reason"] == "busy")
        }
        #expect(try Self.twiml(answers[2]).map(\.name).contains("Dial"))
        #expect(try Self.twiml(answers[3]).map(\.name) == ["Response"])
        let calls = try StatusCallbackTests.archive(api, company: F.cedar, kind: "call")
        #expect(calls.first { $0["sid"] as? String == robocall }?["decision"] as? String == "blocked")
        #expect(calls.first { $0["sid"] as? String == withheld }?["decision"] as? String == "blocked")
        #expect(calls.first { $0["sid"] as? String == welcome }?["decision"] as? String == "forward")
        let messages = try StatusCallbackTests.archive(api, company: F.cedar, kind: "message")
        #expect(messages.first { $0["sid"] as? String == message }?["decision"] as? String == "blocked")
    }

    /// Today's and tomorrow's dates in `zone`: closing both closes the company now,
    /// whenever the test runs.
    static func closedNow(zone: String) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let now = Date()
        return [formatter.string(from: now.addingTimeInterval(-86_400)), formatter.string(from: now)]
    }

    @Test(
        "after hours: a closed date closes the company, its afterHours greeting and auto-reply answer; open, its own settings do",
        arguments: ["sqlite", "mongodb"])
    func afterHours(backend: String) throws {
        let api = try F(backend: backend)
        let cedar = try F.credentials(of: F.cedar)
        let week = [["days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00"]]
        try VoicemailNotificationTests.configure(api, F.cedar) {
            $0["timezone"] = "Australia/Sydney"
            $0["businessHours"] = week
            $0["closedDates"] = Self.closedNow(zone: "Australia/Sydney")
            $0["afterHours"] = [
                "callRoutingMode": "voicemail", "voicemailGreeting": "Cedar Plumbing is closed today.",
                "smsMode": "auto-reply", "smsAutoReply": "We are closed today; we reply tomorrow.",
            ]
        }
        func exchange(_ n: Character) throws -> [(HTTPResponse, String)] {
            try StatusCallbackTests.post(
                [
                    Callback(
                        path: "/api/twilio/voice", query: "",
                        params: Self.call("CA" + String(repeating: n, count: 32), cedar.sid), token: cedar.token),
                    Callback(
                        path: "/api/twilio/sms", query: "",
                        params: [
                            ("AccountSid", cedar.sid), ("MessageSid", "SM" + String(repeating: n, count: 32)),
                            ("From", "+15557654321"), ("To", "+15550300001"), ("Body", "Leak under the sink"),
                        ], token: cedar.token),
                ], api)
        }
        let closed = try exchange("a")
        let voicemail = try Self.twiml(closed[0])
        #expect(voicemail.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
        #expect(voicemail[1].text == "Cedar Plumbing is closed today.")
        #expect(closed[0].1.contains(#""hours":"closed-date""#), "\(closed[0].1)")
        let reply = try Self.twiml(closed[1])
        #expect(
            reply.map(\.name) == ["Response", "Message"] && reply[1].text == "We are closed today; we reply tomorrow.")

        try VoicemailNotificationTests.configure(api, F.cedar) { $0["closedDates"] = [] }
        let open = try exchange("b")
        #expect(try Self.twiml(open[0]).map(\.name).contains("Dial"))
        #expect(try Self.twiml(open[1]).first { $0.name == "Message" }?.attributes["to"] == "+15550399999")
    }

    @Test(
        "ConfigPut refuses unknown zones, overlapping hours, a group of eleven and a number forwarding to itself with a 422 naming each field"
    )
    func refused() throws {
        let api = try F(backend: "sqlite")
        let admin = try api.adminToken()
        let before = try F.json(try api.get(F.cedar, token: admin))
        var config = try #require(before["twilioConfig"] as? [String: Any])
        config["timezone"] = "America/Springfield"
        config["businessHours"] = [
            ["days": ["mon"], "open": "08:00", "close": "18:00"], ["days": ["mon"], "open": "17:00", "close": "19:00"],
        ]
        config["forwardNumbers"] = (0..<11).map { "+1555039980\($0 % 10)" + ($0 == 10 ? "0" : "") }
        config["afterHours"] = ["forwardNumber": "+15550300002", "callRoutingMode": "forward"]
        let refused = try api.put(
            F.cedar, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(refused.statusCode == 422, "\(refused.body)")
        let errors = (try F.json(refused)["errors"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
            $0[$1["field"] as? String ?? ""] = $1["message"] as? String
        }
        #expect(errors["timezone"]?.contains("is not a time zone") == true, "\(errors)")
        #expect(errors["businessHours"]?.contains("overlap on mon") == true, "\(errors)")
        #expect(errors["forwardNumbers"] == "takes at most 10 entries", "\(errors)")
        #expect(errors["afterHours.forwardNumber"]?.contains("one of this company's own numbers") == true, "\(errors)")
        // Shapes that are no setting at all: each a 422 naming its field, nothing stored.
        for (field, value, says) in [
            ("businessHours", "9-5" as Any, "must be a list of openings"),
            ("businessHours", [["days": "mon", "open": "08:00", "close": "18:00"]] as Any, "days, a list like"),
            ("businessHours", [["days": ["mon"], "open": 8, "close": "18:00"]] as Any, "needs open and close"),
            ("businessHours", [["days": ["mon"], "open": "08:00", "close": "18:00", "lunch": true]] as Any, "lunch"),
            ("timezone", "../../../etc/passwd" as Any, "is not a time zone"),
            ("timezone", "America/New_York\u{0}" as Any, "is not a time zone"),
            ("afterHours", ["authToken": "0123456789abcdef0123456789abcdef"] as Any, "after hours may change"),
            ("afterHours", ["callRoutingMode": 3] as Any, ".callRoutingMode must be a string"),
            ("blockedCallers", ["+1900*", 7] as Any, "a list of strings"),
            ("closedDates", (0..<101).map { _ in "2026-12-25" } as Any, "at most 100"),
        ] {
            var hostile = try #require(before["twilioConfig"] as? [String: Any])
            hostile[field] = value
            if field == "closedDates" {
                hostile["timezone"] = "UTC"
                hostile["businessHours"] = [["days": ["mon"], "open": "08:00", "close": "18:00"]]
            }
            let answer = try api.put(
                F.cedar, String(decoding: try JSONSerialization.data(withJSONObject: hostile), as: UTF8.self),
                token: admin)
            #expect(answer.statusCode == 422, "\(field): \(answer.statusCode) \(answer.body)")
            #expect(answer.body.contains(field) && answer.body.contains(says), "\(field): \(answer.body)")
            #expect(!answer.body.contains("0123456789abcdef0123456789abcdef"), "a secret in the answer")
        }
        let after = try F.json(try api.get(F.cedar, token: admin))
        #expect(
            (after["twilioConfig"] as? [String: Any])?["timezone"] == nil
                || (after["twilioConfig"] as? [String: Any])?["timezone"] is NSNull)
    }

    @Test(
        "explain --at --from: open or closed at that instant and by which rule, a blocked caller, and the same TwiML Voice answers"
    )
    func explain() throws {
        let api = try F(backend: "sqlite")
        try VoicemailNotificationTests.configure(api, F.cedar) {
            $0["timezone"] = "America/New_York"
            $0["businessHours"] = [["days": ["mon", "tue", "wed", "thu", "fri"], "open": "08:00", "close": "18:00"]]
            $0["closedDates"] = ["2026-12-25"]
            $0["afterHours"] = ["callRoutingMode": "voicemail", "voicemailGreeting": "Closed for the holiday."]
            $0["blockedCallers"] = ["+1900*"]
        }
        let (openStatus, open, openText) = try ExplainTests.explain(
            ["+15550300001", "--at", "2026-12-24T14:00:00Z"], api.environment)
        #expect(openStatus == 0)
        #expect((open["hours"] as? [String: Any])?["rule"] as? String == "hours")
        #expect(openText.contains("Hours: open at 2026-12-24 09:00 (thu, UTC-05:00): businessHours[0]"), "\(openText)")
        #expect((open["twiml"] as? String)?.contains("<Dial") == true)
        let (_, holiday, holidayText) = try ExplainTests.explain(
            ["+15550300001", "--at", "2026-12-25T09:00:00-05:00"], api.environment)
        #expect((holiday["hours"] as? [String: Any])?["rule"] as? String == "closed-date")
        #expect((holiday["twiml"] as? String)?.contains("Closed for the holiday.") == true)
        #expect(holidayText.contains("2026-12-25 is one of closedDates"), "\(holidayText)")
        let (blockedStatus, blocked, _) = try ExplainTests.explain(
            ["+15550300001", "--from", "+19005550100"], api.environment)
        #expect(blockedStatus == 1)
        #expect((blocked["caller"] as? [String: Any])?["blocked"] as? Bool == true)
        #expect(
            blocked["twiml"] as? String
                == #"<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>"#)
        let bad = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["explain", "+15550300001", "--at", "Christmas"],
            environment: api.environment)
        #expect(
            bad.status != 0 && bad.stderrText.contains("--at \"Christmas\" is not an ISO 8601 time"),
            "\(bad.stderrText)")
    }
}
