import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// A forward to a ring group: all at once or in order, each ring `forwardRingSeconds`
/// (20 when none), and with screening, only a pressed 1 takes the call.
@Suite("Ring groups and screening")
struct RingGroupTests {
    static let voiceURL = "https://calls.example.com/api/twilio/voice"
    static let group: SettingList = ["+15550399991", "+15550399992", "+15550399993"]
    static let call = "CA" + String(repeating: "7", count: 32)
    let planner = VoiceCallPlanner(platformAgentStreamURL: nil)

    func tenant(_ edit: (inout TwilioConfig) -> Void) -> TenantSnapshot {
        var config = TwilioConfig(callRoutingMode: "forward", forwardNumbers: Self.group)
        edit(&config)
        return TenantSnapshot(Company(id: try! CompanyID("c1"), name: "Cedar", twilio: config))
    }

    func ended(
        _ tenant: TenantSnapshot, query: String, status: String, accepted: Bool?, pickedUp: Int? = nil,
        now: Date = Date()
    ) throws -> (DialOutcome, [TwiMLReader.Element]) {
        let outcome = planner.dialEnded(
            tenant: tenant, query: try FormParameters(decoding: Array(query.utf8)),
            parameters: FormParameters([
                ("CallSid", Self.call), ("CallStatus", "in-progress"), ("DialCallStatus", status),
            ]),
            accepted: accepted, pickedUp: pickedUp, voiceURL: Self.voiceURL, now: now)
        return (outcome, try TwiMLReader.read(outcome.twiml))
    }

    @Test(
        "simultaneous: one Dial rings every number for the group's ring time; a single forwardNumber is a group of one")
    func simultaneous() throws {
        let answer = planner.answer(
            tenant: tenant { $0.forwardRingSeconds = 25 }, callSid: Self.call, voiceURL: Self.voiceURL)
        let elements = try TwiMLReader.read(answer.twiml)
        #expect(elements.map(\.name) == ["Response", "Dial", "Number", "Number", "Number"])
        #expect(elements[1].attributes["timeout"] == "25")
        #expect(elements.dropFirst(2).map(\.text) == Self.group.items)
        let single = planner.answer(
            tenant: tenant {
                $0.forwardNumbers = nil
                $0.forwardNumber = "+1 555 039 9999"
            }, callSid: Self.call, voiceURL: Self.voiceURL)
        let one = try TwiMLReader.read(single.twiml)
        #expect(one.map(\.name) == ["Response", "Dial", "Number"] && one[2].text == "+15550399999")
        #expect(one[1].attributes["timeout"] == "20")
    }

    @Test("sequential: one number at a time; each unanswered dial rings the next; the last one's end runs the fallback")
    func sequential() throws {
        let company = tenant { $0.forwardStrategy = "sequential" }
        let first = try TwiMLReader.read(
            planner.answer(tenant: company, callSid: Self.call, voiceURL: Self.voiceURL).twiml)
        #expect(first.map(\.name) == ["Response", "Dial", "Number"] && first[2].text == "+15550399991")
        #expect(first[1].attributes["action"] == Self.voiceURL + "?dialed=1&companyId=c1&next=1")
        let (second, secondTwiml) = try ended(
            company, query: "dialed=1&companyId=c1&next=1", status: "no-answer", accepted: nil)
        #expect(second.continues && secondTwiml[2].text == "+15550399992")
        #expect(secondTwiml[1].attributes["action"] == Self.voiceURL + "?dialed=1&companyId=c1&next=2")
        let (_, thirdTwiml) = try ended(company, query: "dialed=1&companyId=c1&next=2", status: "busy", accepted: nil)
        #expect(thirdTwiml[2].text == "+15550399993")
        let (last, lastTwiml) = try ended(
            company, query: "dialed=1&companyId=c1&next=3", status: "failed", accepted: nil)
        #expect(!last.continues && last.fallback == .voicemail && lastTwiml.map(\.name).contains("Record"))
        // Someone answered: the call is over when the dial ends.
        let (done, doneTwiml) = try ended(
            company, query: "dialed=1&companyId=c1&next=1", status: "completed", accepted: nil)
        #expect(done.fallback == nil && !done.continues && doneTwiml.map(\.name) == ["Response", "Hangup"])
    }

    @Test(
        "screening: each leg hears the whisper and 'press 1'; only 1 bridges; an unaccepted leg that dropped early lets the rest ring on for the time left"
    )
    func screening() throws {
        let company = tenant {
            $0.forwardScreening = true
            $0.whisperMessage = "Call for Cedar Plumbing."
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let dial = try TwiMLReader.read(
            planner.answer(tenant: company, callSid: Self.call, voiceURL: Self.voiceURL, at: now).twiml)
        #expect(dial[1].attributes["action"] == Self.voiceURL + "?dialed=1&companyId=c1&until=1800000020&skip=0")
        #expect(dial[3].attributes["url"] == Self.voiceURL + "?screen=1&companyId=c1&member=1&call=\(Self.call)")
        let screen = try TwiMLReader.read(
            planner.screen(tenant: company, member: "1", callSid: Self.call, voiceURL: Self.voiceURL))
        #expect(screen.map(\.name) == ["Response", "Gather", "Say", "Say", "Say", "Hangup"])
        #expect(screen[1].attributes["numDigits"] == "1")
        #expect(screen[1].attributes["action"] == Self.voiceURL + "?accept=1&companyId=c1&member=1&call=\(Self.call)")
        #expect(screen[2].text == "Call for Cedar Plumbing." && screen[3].text == "Press 1 to accept this call.")
        #expect(planner.accepted(digits: "1").accepted && planner.accepted(digits: "1").twiml.hasSuffix("<Response/>"))
        #expect(!planner.accepted(digits: "2").accepted && planner.accepted(digits: "2").twiml.contains("<Hangup/>"))

        // Accepted: the dial's end is the call's end, whatever Twilio calls it.
        let (taken, _) = try ended(
            company, query: "dialed=1&companyId=c1&until=1800000020&skip=0", status: "completed", accepted: true,
            now: now)
        #expect(taken.fallback == nil && !taken.continues)
        // Number 1's voicemail picked up after 6 s and was hung up: the other two ring 14 s more.
        let (again, againTwiml) = try ended(
            company, query: "dialed=1&companyId=c1&until=1800000020&skip=0", status: "completed", accepted: false,
            pickedUp: 0, now: now.addingTimeInterval(6))
        #expect(again.nextMembers.map(\.e164) == ["+15550399992", "+15550399993"])
        #expect(againTwiml[1].attributes["timeout"] == "14")
        #expect(againTwiml[1].attributes["action"] == Self.voiceURL + "?dialed=1&companyId=c1&until=1800000020&skip=1")
        // The group rang out, or too little time is left: the company's fallback.
        let (out, _) = try ended(
            company, query: "dialed=1&companyId=c1&until=1800000020&skip=1", status: "no-answer", accepted: false,
            now: now.addingTimeInterval(20))
        #expect(out.fallback == .voicemail)
        let (late, _) = try ended(
            company, query: "dialed=1&companyId=c1&until=1800000020&skip=1", status: "completed", accepted: false,
            pickedUp: 2, now: now.addingTimeInterval(17))
        #expect(late.fallback == .voicemail)
        // Everyone picked up and nobody pressed 1.
        let (spent, _) = try ended(
            company, query: "dialed=1&companyId=c1&until=1800000020&skip=3", status: "completed", accepted: false,
            pickedUp: 2, now: now.addingTimeInterval(8))
        #expect(spent.fallback == .voicemail)
        // Sequential and screened: an unaccepted leg is the next number's turn.
        var sequence = company
        sequence.forwardStrategy = "sequential"
        let (next, nextTwiml) = try ended(
            sequence, query: "dialed=1&companyId=c1&next=1", status: "completed", accepted: false)
        #expect(next.continues && nextTwiml[2].text == "+15550399992")
        #expect(nextTwiml[2].attributes["url"] == Self.voiceURL + "?screen=1&companyId=c1&member=1&call=\(Self.call)")
    }
}
