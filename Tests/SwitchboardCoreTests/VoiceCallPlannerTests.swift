import TestSupport
import Testing

@testable import SwitchboardCore

@Suite("How calls are answered")
struct VoiceCallPlannerTests {
    static let voiceURL = "https://calls.example.com/api/twilio/voice"

    func tenant(_ mode: String?, _ edit: (inout TwilioConfig) -> Void = { _ in }) -> TenantSnapshot {
        var config = TwilioConfig(callRoutingMode: mode.map(CallRoutingMode.named))
        edit(&config)
        return TenantSnapshot(
            Company(id: try! CompanyID("65a1f0c2e4b0a1a2b3c4d5e1"), name: "Acme & Co", twilio: config))
    }

    @Test("ai-agent: Connect/Stream with the company id and call sid")
    func aiAgent() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: "wss://agent.example.com/stream")
        let answer = planner.answer(tenant: tenant("ai-agent"), callSid: "CA123", voiceURL: Self.voiceURL)
        #expect(answer.mode == .aiAgent)
        #expect(answer.fallbackReason == nil)
        let elements = try TwiMLReader.read(answer.twiml)
        #expect(elements.map(\.name) == ["Response", "Connect", "Stream", "Parameter", "Parameter"])
        #expect(elements[2].attributes["url"] == "wss://agent.example.com/stream")
        #expect(elements[3].attributes == ["name": "companyId", "value": "65a1f0c2e4b0a1a2b3c4d5e1"])
        #expect(elements[4].attributes == ["name": "callSid", "value": "CA123"])
    }

    @Test("ai-agent: the company's own stream wins over the platform's")
    func ownAgent() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: "wss://agent.example.com/stream")
        let answer = planner.answer(
            tenant: tenant("ai-agent") { $0.agentStreamUrl = "wss://acme.example/agent" }, callSid: nil,
            voiceURL: Self.voiceURL)
        #expect(try TwiMLReader.read(answer.twiml)[2].attributes["url"] == "wss://acme.example/agent")
    }

    @Test("ai-agent with no stream anywhere falls back to voicemail, saying why")
    func agentFallback() {
        let answer = VoiceCallPlanner(platformAgentStreamURL: nil).answer(
            tenant: tenant("ai-agent"), callSid: nil, voiceURL: Self.voiceURL)
        #expect(answer.mode == .voicemail)
        #expect(answer.fallbackReason?.contains("agent stream URL") == true)
    }

    @Test("voicemail: greeting naming the company, then Record calling back")
    func voicemail() throws {
        let answer = VoiceCallPlanner(platformAgentStreamURL: nil).answer(
            tenant: tenant("voicemail"), callSid: nil, voiceURL: Self.voiceURL)
        let elements = try TwiMLReader.read(answer.twiml)
        #expect(elements.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
        #expect(elements[1].text == "You have reached Acme & Co. Please leave a message after the beep.")
        #expect(elements[2].attributes["action"] == Self.voiceURL + "?recorded=1&companyId=65a1f0c2e4b0a1a2b3c4d5e1")
        #expect(elements[2].attributes["maxLength"] == "120")
        let custom = VoiceCallPlanner(platformAgentStreamURL: nil).answer(
            tenant: tenant("voicemail") { $0.voicemailGreeting = "Closed <today>" }, callSid: nil,
            voiceURL: Self.voiceURL)
        #expect(try TwiMLReader.read(custom.twiml)[1].text == "Closed <today>")
    }

    @Test("forward: Dial the number, recorded and whispered when set")
    func forward() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let full = planner.answer(
            tenant: tenant("forward") {
                $0.forwardNumber = "+1 (555) 039-9999"
                $0.recordingEnabled = true
                $0.whisperMessage = "Call for Acme"
            }, callSid: nil, voiceURL: Self.voiceURL)
        let elements = try TwiMLReader.read(full.twiml)
        #expect(elements.map(\.name) == ["Response", "Dial", "Number"])
        #expect(elements[1].attributes["record"] == "record-from-answer-dual")
        #expect(elements[1].attributes["action"] == Self.voiceURL + "?dialed=1&companyId=65a1f0c2e4b0a1a2b3c4d5e1")
        #expect(elements[1].attributes["method"] == "POST")
        #expect(elements[2].text == "+15550399999")
        #expect(elements[2].attributes["url"] == Self.voiceURL + "?whisper=1&companyId=65a1f0c2e4b0a1a2b3c4d5e1")

        let plain = planner.answer(
            tenant: tenant("forward") { $0.forwardNumber = "+15550399999" }, callSid: nil, voiceURL: Self.voiceURL)
        let plainElements = try TwiMLReader.read(plain.twiml)
        #expect(plainElements[1].attributes["record"] == nil)
        #expect(plainElements[2].attributes["url"] == nil)
        // About four rings: before most mobiles' own voicemail answers.
        #expect(plainElements[1].attributes["timeout"] == "20")
    }

    @Test("forward: the company's ring time is the Dial's timeout")
    func ringTime() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let answer = planner.answer(
            tenant: tenant("forward") {
                $0.forwardNumber = "+15550399999"
                $0.forwardRingSeconds = 18
            }, callSid: nil, voiceURL: Self.voiceURL)
        #expect(try TwiMLReader.read(answer.twiml)[1].attributes["timeout"] == "18")
    }

    @Test(
        "forward without a valid number, or an unknown mode, goes to voicemail",
        arguments: [
            ("forward", nil), ("forward", "555-0100"), ("conference", nil), (nil, nil),
        ] as [(String?, String?)])
    func fallbacks(mode: String?, forward: String?) {
        let answer = VoiceCallPlanner(platformAgentStreamURL: nil).answer(
            tenant: tenant(mode) { $0.forwardNumber = forward }, callSid: nil, voiceURL: Self.voiceURL)
        #expect(answer.mode == .voicemail)
        #expect(answer.fallbackReason != nil)
    }

    @Test("whisper and recording callbacks")
    func callbacks() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        #expect(
            try TwiMLReader.read(planner.whisper(tenant: tenant("forward") { $0.whisperMessage = "Hi & bye" }))[1].text
                == "Hi & bye")
        #expect(try TwiMLReader.read(planner.whisper(tenant: tenant("forward"))).map(\.name) == ["Response"])
        #expect(
            try TwiMLReader.read(planner.recordingFinished(tenant: tenant("voicemail"))).map(\.name) == [
                "Response", "Say", "Hangup",
            ])
        let query = try FormParameters(decoding: Array("whisper=1&companyId=abc".utf8))
        #expect(VoiceCallPlanner.callback(in: query)?.leg == .whisper)
        #expect(VoiceCallPlanner.callback(in: query)?.companyID == "abc")
        #expect(VoiceCallPlanner.callback(in: FormParameters([])) == nil)
    }

    @Test(
        "a forward nobody answers, that is busy or fails gets the company's fallback; an answered or abandoned one ends",
        arguments: [
            ("no-answer", nil, "voicemail"), ("busy", nil, "voicemail"), ("failed", "voicemail", "voicemail"),
            ("NO-ANSWER", "hangup", "hangup"),
            ("completed", nil, nil), ("answered", "hangup", nil), ("canceled", nil, nil), (nil, nil, nil),
        ] as [(String?, String?, String?)])
    func dialFinished(status: String?, stored: String?, expected: String?) throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let company = tenant("forward") {
            $0.forwardNumber = "+15550399999"
            $0.forwardFallback = stored.map(ForwardFallback.named)
            $0.voicemailGreeting = "Leave it here"
        }
        let outcome = Self.dialEnded(planner, company, status)
        #expect(outcome.fallback?.rawValue == expected)
        let elements = try TwiMLReader.read(outcome.twiml)
        switch expected {
        case "voicemail":
            #expect(elements.map(\.name) == ["Response", "Say", "Record", "Say", "Hangup"])
            #expect(elements[1].text == "Leave it here")
            #expect(
                elements[2].attributes["action"] == Self.voiceURL + "?recorded=1&companyId=65a1f0c2e4b0a1a2b3c4d5e1")
        case "hangup":
            #expect(elements.map(\.name) == ["Response", "Say", "Hangup"])
        default:
            #expect(elements.map(\.name) == ["Response", "Hangup"])
        }
    }

    @Test("an unknown stored fallback still gives the caller voicemail, and the dialed callback is recognised")
    func unknownFallback() throws {
        let planner = VoiceCallPlanner(platformAgentStreamURL: nil)
        let outcome = Self.dialEnded(planner, tenant("forward") { $0.forwardFallback = "ring-forever" }, "busy")
        #expect(outcome.fallback == .voicemail)
        let query = try FormParameters(decoding: Array("dialed=1&companyId=abc".utf8))
        #expect(VoiceCallPlanner.callback(in: query)?.leg == .dialed)
    }

    /// The end of a forward's one dial, with Twilio's `DialCallStatus` (none when `nil`).
    static func dialEnded(_ planner: VoiceCallPlanner, _ tenant: TenantSnapshot, _ status: String?) -> DialOutcome {
        planner.dialEnded(
            tenant: tenant, query: FormParameters([]),
            parameters: FormParameters(status.map { [("DialCallStatus", $0)] } ?? []), accepted: nil, pickedUp: nil,
            voiceURL: voiceURL)
    }

    @Test("fixed answers parse")
    func fixedAnswers() throws {
        #expect(try TwiMLReader.read(VoiceCallPlanner.notConfigured).map(\.name) == ["Response", "Say", "Hangup"])
        #expect(
            try TwiMLReader.read(VoiceCallPlanner.temporarilyUnavailable).map(\.name) == ["Response", "Say", "Hangup"])
    }
}
