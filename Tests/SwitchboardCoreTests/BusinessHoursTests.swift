import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// Whether a company is open: the wall clock read in its zone by the database Foundation
/// carries, checked against Python's `zoneinfo` (the system's IANA database) over
/// thousands of random instants and weeks, half of them within hours of a
/// daylight-saving change, in both hemispheres and in zones offset by half and quarter
/// hours; and the hand-picked instants a person would try.
@Suite("Business hours")
struct BusinessHoursTests {
    struct Case: Decodable {
        let zone: String
        let hours: [OpeningHours]
        let closedDates: [String]
        let instant: Int
        let localDate: String
        let weekday: Int
        let minute: Int
        let offset: Int
        let open: Bool
        let rule: String
    }

    struct Cases: Decodable { let cases: [Case] }

    static func settings(
        zone: String, _ hours: [OpeningHours], closed: [String] = [], afterHours: AfterHours? = nil
    ) -> TwilioConfig {
        TwilioConfig(
            timezone: zone, businessHours: BusinessHours(hours),
            closedDates: closed.isEmpty ? nil : SettingList(closed),
            afterHours: afterHours)
    }

    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    @Test(
        "4,000 random instants and weeks decide as zoneinfo does: the wall clock, the weekday, open or closed and why")
    func crossCheck() throws {
        let seed = Int.random(in: 1...1_000_000)
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [TestPaths.packageRoot.appendingPathComponent("Tests/Support/hours_cases.py").path, "4000", "\(seed)"],
            environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0, "\(result.stderrText)")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(result.stdoutText.utf8)).cases
        #expect(cases.count == 4_000)
        var wrong: [String] = []
        for item in cases {
            let instant = Date(timeIntervalSince1970: Double(item.instant))
            let local = ZoneClock.localTime(at: instant, zone: item.zone)
            let decision = OpeningDecision(
                Self.settings(zone: item.zone, item.hours, closed: item.closedDates), at: instant)
            let clockAgrees: Bool =
                local.date == item.localDate && local.weekday == item.weekday && local.minute == item.minute
                && local.offsetSeconds == item.offset
            let decisionAgrees: Bool = decision.isOpen == item.open && decision.ruleName == item.rule
            if !clockAgrees || !decisionAgrees {
                wrong.append(
                    "\(item.zone) at \(item.instant): zoneinfo \(item.localDate) day \(item.weekday) minute \(item.minute) offset \(item.offset) \(item.rule); Switchboard \(local) \(decision.ruleName)"
                )
            }
        }
        #expect(wrong.isEmpty, "seed \(seed): \(wrong.count) differ, first: \(wrong.prefix(5))")
    }

    @Test("the skipped hour in New York and the repeated hour in London are read as the clock shows them")
    func daylightSaving() {
        // 2026-03-08: New York's clocks go from 02:00 EST to 03:00 EDT.
        let early = Self.settings(
            zone: "America/New_York", [OpeningHours(days: ["sun"], open: "02:30", close: "04:00")])
        #expect(!OpeningDecision(early, at: Self.at("2026-03-08T06:59:00Z")).isOpen)  // 01:59 EST
        let skipped = OpeningDecision(early, at: Self.at("2026-03-08T07:00:00Z"))  // 03:00 EDT
        #expect(skipped.isOpen && skipped.localTime?.minute == 180)
        #expect(!OpeningDecision(early, at: Self.at("2026-03-08T08:00:00Z")).isOpen)  // 04:00 EDT
        // 2026-10-25: London's 01:00-02:00 happens twice; an opening then is open both times.
        let night = Self.settings(zone: "Europe/London", [OpeningHours(days: ["sun"], open: "01:00", close: "02:00")])
        #expect(OpeningDecision(night, at: Self.at("2026-10-25T00:30:00Z")).isOpen)  // 01:30 BST
        #expect(OpeningDecision(night, at: Self.at("2026-10-25T01:30:00Z")).isOpen)  // 01:30 GMT
        #expect(!OpeningDecision(night, at: Self.at("2026-10-25T02:00:00Z")).isOpen)  // 02:00 GMT
        // Sydney is in summer time in January; Kolkata is 5:30 ahead all year.
        let sydney = Self.settings(
            zone: "Australia/Sydney", [OpeningHours(days: ["mon"], open: "09:00", close: "17:00")])
        #expect(OpeningDecision(sydney, at: Self.at("2027-01-03T22:00:00Z")).isOpen)  // Mon 09:00 AEDT
        #expect(!OpeningDecision(sydney, at: Self.at("2027-01-03T21:59:00Z")).isOpen)
        let kolkata = Self.settings(zone: "Asia/Kolkata", [OpeningHours(days: ["fri"], open: "10:00", close: "18:30")])
        #expect(OpeningDecision(kolkata, at: Self.at("2026-12-11T04:30:00Z")).isOpen)  // Fri 10:00 IST
        #expect(!OpeningDecision(kolkata, at: Self.at("2026-12-11T13:00:00Z")).isOpen)  // Fri 18:30 IST
    }

    @Test("an overnight shift belongs to the day it opens; a closed date stops what opens on it, not what ran into it")
    func overnightAndClosedDates() {
        let week = [
            OpeningHours(days: ["mon", "tue", "wed", "thu", "fri"], open: "08:00", close: "18:00"),
            OpeningHours(days: ["thu"], open: "22:00", close: "06:00"),
        ]
        let zone = "America/New_York"
        // Thursday 2026-12-24 23:00 and Friday 05:59 EST: the Thursday night shift.
        let open = Self.settings(zone: zone, week, closed: ["2026-12-25"])
        let night = OpeningDecision(open, at: Self.at("2026-12-25T04:00:00Z"))
        #expect(night.isOpen && night.rule == .hours(entry: 1, week[1]))
        #expect(OpeningDecision(open, at: Self.at("2026-12-25T10:59:00Z")).isOpen)
        // Christmas Day 09:00: the day's opening does not open.
        let christmas = OpeningDecision(open, at: Self.at("2026-12-25T14:00:00Z"))
        #expect(!christmas.isOpen && christmas.rule == .closedDate("2026-12-25"))
        #expect(christmas.explanation.contains("2026-12-25 is one of closedDates"))
        // Closing Thursday stops the night shift that opens on it, into Friday too.
        let thursdayClosed = Self.settings(zone: zone, week, closed: ["2026-12-24"])
        #expect(!OpeningDecision(thursdayClosed, at: Self.at("2026-12-25T04:00:00Z")).isOpen)
        // Saturday: outside hours. No hours at all: always open.
        let saturday = OpeningDecision(open, at: Self.at("2026-12-26T15:00:00Z"))
        #expect(!saturday.isOpen && saturday.rule == .outsideHours)
        #expect(OpeningDecision(TwilioConfig(), at: Date()).rule == .alwaysOpen)
        // A whole day is 00:00-24:00.
        let allDay = Self.settings(zone: zone, [OpeningHours(days: ["sat"], open: "00:00", close: "24:00")])
        #expect(OpeningDecision(allDay, at: Self.at("2026-12-27T04:59:00Z")).isOpen)  // Sat 23:59
        #expect(!OpeningDecision(allDay, at: Self.at("2026-12-27T05:00:00Z")).isOpen)  // Sun 00:00
    }

    @Test("after hours, the company's afterHours settings take the place of its own, for calls and messages")
    func afterHours() throws {
        let closed = AfterHours(
            TwilioConfig(
                callRoutingMode: "voicemail", voicemailGreeting: "We are closed. Leave a message.",
                smsMode: "auto-reply",
                smsAutoReply: "We are closed; we reply from 8 tomorrow."))
        var config = Self.settings(
            zone: "America/New_York", [OpeningHours(days: ["mon"], open: "08:00", close: "18:00")], afterHours: closed)
        config.callRoutingMode = "forward"
        config.forwardNumber = "+15550399999"
        config.smsMode = "none"
        let tenant = TenantSnapshot(
            Company(id: try CompanyID("65a1f0c2e4b0a1a2b3c4d5e1"), name: "Acme", twilio: config))
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let monday = Self.at("2026-12-07T15:00:00Z")  // Monday 10:00 EST
        let night = Self.at("2026-12-08T03:00:00Z")  // Monday 22:00 EST
        #expect(planner.answer(tenant: tenant, callSid: "CA1", voiceURL: "https://x/v", at: monday).mode == .forward)
        let evening = planner.answer(tenant: tenant, callSid: "CA1", voiceURL: "https://x/v", at: night)
        #expect(evening.mode == .voicemail && evening.twiml.contains("We are closed. Leave a message."))
        #expect(evening.hours?.rule == .outsideHours)
        let sms = SMSMessagePlanner()
        let message = InboundMessage(sid: "SM1", from: "+15557654321", to: "+15550100001", body: "hello")
        #expect(sms.answer(tenant: tenant, message: message, at: monday).action == "none")
        let reply = sms.answer(tenant: tenant, message: message, at: night)
        #expect(reply.action == "auto-reply" && reply.twiml.contains("we reply from 8 tomorrow"))
    }

    @Test(
        "unknown zones, malformed and overlapping hours, bad dates and after-hours settings are refused, each naming its field"
    )
    func validation() throws {
        func problems(_ edit: (inout TwilioConfig) -> Void) -> [String] {
            var config = TwilioConfig()
            edit(&config)
            return CompanyValidator.problems(of: Company(id: try! CompanyID("c1"), name: "Acme", twilio: config)).map(
                \.description)
        }
        #expect(
            problems { $0.timezone = "Mars/Olympus_Mons" }.first?.hasPrefix(
                "timezone \"Mars/Olympus_Mons\" is not a time zone") == true)
        #expect(problems { $0.timezone = "EST" }.first?.hasPrefix("timezone ") == true)
        #expect(problems { $0.timezone = "America/New_York" }.isEmpty)
        #expect(problems { $0.timezone = "UTC" }.isEmpty)
        let monday = OpeningHours(days: ["mon"], open: "08:00", close: "18:00")
        #expect(
            problems { $0.businessHours = BusinessHours([monday]) }
                == ["timezone is required with businessHours: the hours are read on its clock"])
        let wrong = problems {
            $0.timezone = "Europe/London"
            $0.businessHours = BusinessHours([
                OpeningHours(days: ["mon", "funday"], open: "08:00", close: "18:00"),
                OpeningHours(days: ["tue"], open: "8am", close: "25:00"),
            ])
        }
        #expect(wrong.contains { $0.hasPrefix("businessHours[0].days \"funday\" is not a day") }, "\(wrong)")
        #expect(wrong.contains { $0.hasPrefix("businessHours[1].open must be a time of day") }, "\(wrong)")
        let overlapping = problems {
            $0.timezone = "Europe/London"
            $0.businessHours = BusinessHours([
                monday, OpeningHours(days: ["sun"], open: "22:00", close: "09:00"),
            ])
        }
        #expect(
            overlapping == ["businessHours entries [0] and [1] overlap on mon: a time may belong to one opening only"])
        #expect(
            problems {
                $0.timezone = "Europe/London"
                $0.businessHours = BusinessHours([monday])
                $0.closedDates = ["2026-12-25", "2026-02-30"]
            } == ["closedDates entry 2: \"2026-02-30\" is not a date written YYYY-MM-DD"])
        #expect(
            problems { $0.closedDates = ["2026-12-25"] }
                == ["closedDates needs businessHours: a company without hours is always open, holidays included"])
        let afterHours = problems {
            $0.phoneNumber = "+15550100001"
            $0.accountSid = "AC" + String(repeating: "a", count: 32)
            $0.authToken = .plaintext(String(repeating: "b", count: 32))
            $0.afterHours = AfterHours(
                TwilioConfig(callRoutingMode: "forward", forwardNumber: "+15550100001", smsMode: "shout"))
        }
        #expect(
            afterHours.contains {
                $0.hasPrefix("afterHours.forwardNumber +15550100001 is one of this company's own numbers")
            },
            "\(afterHours)")
        #expect(afterHours.contains { $0.hasPrefix("afterHours.smsMode must be one of") }, "\(afterHours)")
        let group = problems {
            $0.phoneNumber = "+15550100001"
            $0.accountSid = "AC" + String(repeating: "a", count: 32)
            $0.authToken = .plaintext(String(repeating: "b", count: 32))
            $0.forwardNumbers = SettingList((0..<11).map { "+1555039990\($0 % 10)" + ($0 == 10 ? "1" : "") })
        }
        #expect(group == ["forwardNumbers takes at most 10 entries"])
        let loop = problems {
            $0.phoneNumber = "+15550100001"
            $0.accountSid = "AC" + String(repeating: "a", count: 32)
            $0.authToken = .plaintext(String(repeating: "b", count: 32))
            $0.callRoutingMode = "forward"
            $0.forwardNumbers = ["+15550399999", "+15550100001"]
        }
        #expect(loop == ["forwardNumbers entry 2: +15550100001 is one of this company's own numbers; calls would loop"])
        #expect(
            problems { $0.blockedCallers = ["+1900*", "+44 20 7946 0000", "1900*", "call me"] }
                == [
                    "blockedCallers entry 3: \"1900*\" is not a prefix: write + and 1-15 digits then *, like +1900*; entry 4: \"call me\" is not a phone number (or a prefix like +1900*)"
                ])
        #expect(
            problems { $0.forwardStrategy = "round-robin" } == [
                "forwardStrategy must be one of simultaneous, sequential"
            ])
    }

    @Test("blocked callers: listed numbers and prefixes, and with rejectAnonymous every withheld form Twilio posts")
    func blocklist() {
        var settings = TwilioConfig(blockedCallers: ["+1900*", "+15557654321"])
        #expect(CallerBlocklist.refusal(of: "+19005550123", settings: settings) == .listed("+1900*"))
        #expect(CallerBlocklist.refusal(of: "+15557654321", settings: settings) == .listed("+15557654321"))
        #expect(CallerBlocklist.refusal(of: "+15557654322", settings: settings) == nil)
        #expect(CallerBlocklist.refusal(of: "anonymous", settings: settings) == nil)
        settings.rejectAnonymous = true
        for withheld in [
            "anonymous", "Anonymous", "+266696687", "266696687", "restricted", "RESTRICTED", "+7378742833",
            "+86282452253", "unknown", "private", "Unavailable", "", "withheld",
        ] {
            #expect(CallerBlocklist.refusal(of: withheld, settings: settings) == .anonymous, "\(withheld)")
        }
        #expect(CallerBlocklist.refusal(of: nil, settings: settings) == .anonymous)
        #expect(CallerBlocklist.refusal(of: "+15550001111", settings: settings) == nil)
        #expect(CallerBlocklist.refusal(of: "client:alice", settings: settings) == nil)
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let tenant = TenantSnapshot(Company(id: try! CompanyID("c1"), name: "Acme", twilio: settings))
        let answer = planner.answer(tenant: tenant, callSid: "CA1", voiceURL: "https://x/v", caller: "Anonymous")
        #expect(answer.twiml == #"<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>"#)
        #expect(answer.decision == "blocked")
        let sms = SMSMessagePlanner().answer(
            tenant: tenant, message: InboundMessage(sid: "SM1", from: "+19005550123", to: "+15550100001", body: "hi"))
        #expect(sms.action == "blocked" && !sms.twiml.contains("<Message"))
    }
}
