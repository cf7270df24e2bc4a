#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decides how Switchboard answers a call, from the owning company's settings.
///
/// - `ai-agent`: `<Connect><Stream>` to the company's agent stream (its own URL, or the
///   platform's), passing the company id and call SID as stream parameters. With no
///   agent URL anywhere, the call goes to voicemail instead, and the reason is noted.
/// - `voicemail`: the company's greeting (or one naming the company) and `<Record>`,
///   whose finished recording comes back to Voice as a `recorded=1` callback (the
///   caller's next TwiML), its status as a `recording=1` callback and, unless the company
///   turned `transcribeVoicemail` off, its transcript as a `transcript=1` callback.
/// - `forward`: `<Dial>` to the company's ring group (`forwardNumbers`, or its
///   `forwardNumber` alone), all at once or one after another (`forwardStrategy`), for
///   `forwardRingSeconds` (20 when none), recorded when `recordingEnabled`, and with a
///   whisper to the person answering when `whisperMessage` is set (a `whisper=1`
///   callback to Voice), or press-1 screening when `forwardScreening` is on (see
///   ``VoiceCallPlanner/screen(tenant:member:callSid:voiceURL:)``). The dial's `action`
///   comes back to Voice (`dialed=1`) when the dial ends: the next number of a sequence
///   rings, and a forward nobody took gets the company's `forwardFallback` (its
///   voicemail, unless it chose `hangup`). Without a valid forward number: voicemail, noted.
/// - anything else stored as the mode: voicemail, noted.
///
/// Before any of it: a caller the company blocks (`blockedCallers`, `rejectAnonymous`) is
/// rejected as busy, and outside the company's `businessHours` its `afterHours` settings
/// take the place of its own (see ``OpeningDecision``).
public struct VoiceCallPlanner: Sendable {
    /// The platform's agent stream (`SWITCHBOARD_AGENT_STREAM_URL`), if any.
    public let platformAgentStreamURL: String?

    /// How long a voicemail may run, in seconds.
    public static let voicemailMaxLengthSeconds = 120

    public init(platformAgentStreamURL: String?) {
        self.platformAgentStreamURL = platformAgentStreamURL
    }

    /// The answer to an incoming call to one of `tenant`'s numbers.
    ///
    /// - Parameters:
    ///   - tenant: the company that owns the dialled number.
    ///   - callSid: the call's SID, passed to the agent stream.
    ///   - voiceURL: Voice's own URL (no query), where callbacks point.
    ///   - caller: Twilio's `From`, checked against the company's blocklist (an empty one
    ///     is withheld); `nil` when there is no caller to check (`explain` without `--from`).
    ///   - now: the moment the call arrived, when the company's hours are read.
    public func answer(
        tenant company: TenantSnapshot, callSid: String?, voiceURL: String, caller: String? = nil, at now: Date = Date()
    ) -> CallAnswer {
        let hours = OpeningDecision(company.settings, at: now)
        if let caller, let refusal = CallerBlocklist.refusal(of: caller, settings: company.settings) {
            return CallAnswer(
                mode: company.callRoutingMode ?? .whenAbsent, twiml: Self.rejected, fallbackReason: nil,
                blocked: refusal, hours: hours)
        }
        let tenant = Self.routed(company, hours)
        var answer = route(tenant, callSid: callSid, voiceURL: voiceURL, now: now)
        answer.hours = hours
        return answer
    }

    /// A blocked call: rejected as busy, never answered, so never billed.
    public static let rejected = TwiML.response([TwiMLElement("Reject", [("reason", "busy")])])

    /// `tenant` as it answers at `now`: its own settings while open, its `afterHours`
    /// in their place while closed.
    public static func routed(_ tenant: TenantSnapshot, at now: Date) -> TenantSnapshot {
        routed(tenant, OpeningDecision(tenant.settings, at: now))
    }

    static func routed(_ tenant: TenantSnapshot, _ hours: OpeningDecision) -> TenantSnapshot {
        guard !hours.isOpen, let afterHours = tenant.afterHours else { return tenant }
        var routed = tenant
        routed.settings = afterHours.applied(to: tenant.settings)
        return routed
    }

    private func route(_ tenant: TenantSnapshot, callSid: String?, voiceURL: String, now: Date) -> CallAnswer {
        switch tenant.callRoutingMode {
        case .aiAgent:
            if let stream = agentStreamURL(for: tenant) {
                let connect = agentConnect(stream, tenant, parameters: [("callSid", callSid ?? "")])
                return CallAnswer(mode: .aiAgent, twiml: TwiML.response([connect]), fallbackReason: nil)
            }
            return voicemail(
                tenant, voiceURL,
                because: "ai-agent mode has no agent stream URL (company or SWITCHBOARD_AGENT_STREAM_URL)")
        case .forward:
            let group = Self.ringGroup(of: tenant)
            guard !group.isEmpty else {
                return voicemail(tenant, voiceURL, because: "forward mode has no valid forwardNumber or forwardNumbers")
            }
            let dial = firstDial(tenant, group: group, callSid: callSid, voiceURL: voiceURL, now: now)
            return CallAnswer(mode: .forward, twiml: TwiML.response([dial]), fallbackReason: nil)
        case .voicemail:
            return voicemail(tenant, voiceURL, because: nil)
        case .unrecognized(let name):
            return voicemail(tenant, voiceURL, because: "unknown callRoutingMode \"\(name.prefix(40))\"")
        case nil:
            return voicemail(tenant, voiceURL, because: "no callRoutingMode")
        }
    }

    /// What the person answering a forwarded call hears before being connected.
    public func whisper(tenant: TenantSnapshot) -> String {
        guard let message = tenant.whisperMessage, !message.isEmpty else { return TwiML.response([]) }
        return TwiML.response([TwiMLElement("Say", text: message)])
    }

    /// The company's `forwardFallback`, for a forward nobody took.
    func fallback(_ tenant: TenantSnapshot, voiceURL: String) -> DialOutcome {
        switch tenant.forwardFallback ?? .whenAbsent {
        case .voicemail, .unrecognized:
            // An unknown stored fallback is voicemail, which never leaves a caller with nothing.
            return DialOutcome(fallback: .voicemail, twiml: voicemail(tenant, voiceURL, because: nil).twiml)
        case .hangup:
            return DialOutcome(
                fallback: .hangup,
                twiml: TwiML.response([
                    TwiMLElement("Say", text: "Sorry, nobody is available to take your call. Goodbye."),
                    TwiMLElement("Hangup"),
                ]))
        }
    }

    /// The `DialCallStatus` values that mean the forward number never took the call.
    public static let unansweredDialStatuses: Set<String> = ["no-answer", "busy", "failed"]

    /// The end of a voicemail call, once the recording is done.
    public func recordingFinished(tenant: TenantSnapshot) -> String {
        TwiML.response([
            TwiMLElement("Say", text: "Thank you. Your message has been recorded. Goodbye."),
            TwiMLElement("Hangup"),
        ])
    }

    /// The answer for a number no company answers.
    public static let notConfigured = TwiML.response([
        TwiMLElement("Say", text: "Sorry, this number is not configured to take calls. Goodbye."),
        TwiMLElement("Hangup"),
    ])

    /// The answer when the directory cannot be reached.
    public static let temporarilyUnavailable = TwiML.response([
        TwiMLElement("Say", text: "Sorry, we cannot take your call right now. Please try again later."),
        TwiMLElement("Hangup"),
    ])

    /// The callbacks Voice asks Twilio for, told apart by their query.
    public enum CallbackLeg: String, Sendable, CaseIterable {
        /// The callee's leg of a forwarded call, before it is bridged.
        case whisper
        /// The callee's leg of a screened forward has picked up: it hears the whisper and
        /// "press 1".
        case screen
        /// A screened callee pressed a key (or none).
        case accept
        /// A voicemail recording has finished.
        case recorded
        /// A forward's `<Dial>` has ended (answered, or not).
        case dialed
        /// A voicemail's recording status callback: completed, or absent.
        case recording
        /// A voicemail's transcription callback: completed, or failed.
        case transcript
    }

    /// Voice's URL with the query that marks a callback for `companyID`.
    /// Written as it is, with nothing to escape: a leg's name is a word, and a company id
    /// holds only letters, digits, `-` and `_` (``CompanyID``).
    /// `extra` holds further query fields, each a word and a value of letters and digits.
    public static func callbackURL(
        _ voiceURL: String, leg: CallbackLeg, companyID: CompanyID, _ extra: [(String, String)] = []
    ) -> String {
        var url = voiceURL + "?" + leg.rawValue + "=1&companyId=" + companyID.rawValue
        for (name, value) in extra { url += "&" + name + "=" + value }
        return url
    }

    /// The callback a request's query marks, with its company id, or `nil` for a new call.
    public static func callback(in query: FormParameters) -> (leg: CallbackLeg, companyID: String)? {
        for leg in CallbackLeg.allCases where query[leg.rawValue] == "1" {
            return (leg, query["companyId"] ?? "")
        }
        return nil
    }

    func agentStreamURL(for tenant: TenantSnapshot) -> String? {
        if let own = tenant.agentStreamUrl, StreamURL.isValid(own) { return own }
        return platformAgentStreamURL
    }

    /// `<Connect><Stream>` to the agent at `stream`, with the company's id and
    /// `parameters` as the stream's custom parameters.
    func agentConnect(_ stream: String, _ tenant: TenantSnapshot, parameters: [(String, String)]) -> TwiMLElement {
        var children: [TwiMLElement] = []
        children.reserveCapacity(1 + parameters.count)
        children.append(TwiMLElement("Parameter", [("name", "companyId"), ("value", tenant.companyID.rawValue)]))
        for (name, value) in parameters {
            children.append(TwiMLElement("Parameter", [("name", name), ("value", value)]))
        }
        return TwiMLElement("Connect", children: [TwiMLElement("Stream", [("url", stream)], children: children)])
    }

    private func voicemail(_ tenant: TenantSnapshot, _ voiceURL: String, because reason: String?) -> CallAnswer {
        let transcribes = tenant.transcribeVoicemail ?? true
        let greeting =
            tenant.voicemailGreeting.flatMap { $0.isEmpty ? nil : $0 }
            ?? "You have reached \(tenant.companyName.isEmpty ? "us" : tenant.companyName). Please leave a message after the beep."
        let verbs = [
            TwiMLElement("Say", text: greeting),
            TwiMLElement(
                "Record",
                [
                    ("action", Self.callbackURL(voiceURL, leg: .recorded, companyID: tenant.companyID)),
                    ("maxLength", String(Self.voicemailMaxLengthSeconds)),
                    ("playBeep", "true"),
                    (
                        "recordingStatusCallback",
                        Self.callbackURL(voiceURL, leg: .recording, companyID: tenant.companyID)
                    ),
                    ("recordingStatusCallbackMethod", "POST"),
                    ("recordingStatusCallbackEvent", "completed absent"),
                    ("transcribe", transcribes ? "true" : nil),
                    (
                        "transcribeCallback",
                        transcribes ? Self.callbackURL(voiceURL, leg: .transcript, companyID: tenant.companyID) : nil
                    ),
                ]),
            TwiMLElement("Say", text: "We did not receive a message. Goodbye."),
            TwiMLElement("Hangup"),
        ]
        return CallAnswer(mode: .voicemail, twiml: TwiML.response(verbs), fallbackReason: reason)
    }
}

/// How long a forward may ring.
public enum ForwardRing {
    /// The seconds a company may choose: Twilio's `<Dial timeout>` takes 5 to 600.
    public static let seconds = 5...600
    /// How long a forward rings when the company chose nothing: about four rings, before
    /// most mobiles' own voicemail answers.
    public static let defaultSeconds = 20
}

/// What a caller gets once a forward's dial ended.
public struct DialOutcome: Sendable, Equatable {
    /// The company's fallback, when the forward number never took the call.
    public let fallback: ForwardFallback?
    /// The TwiML document.
    public let twiml: String
    /// The numbers ringing next, when the forward goes on (a sequence, a screened group).
    public var nextMembers: [PhoneNumber] = []

    public init(fallback: ForwardFallback?, twiml: String, nextMembers: [PhoneNumber] = []) {
        self.fallback = fallback
        self.twiml = twiml
        self.nextMembers = nextMembers
    }

    /// True when the forward goes on ringing.
    public var continues: Bool { !nextMembers.isEmpty }
}

/// How a call is answered, and why when it is not the company's chosen mode.
public struct CallAnswer: Sendable, Equatable {
    /// The mode actually used.
    public let mode: CallRoutingMode
    /// The TwiML document.
    public let twiml: String
    /// Why the company's mode could not be used, when it could not.
    public let fallbackReason: String?
    /// Why the caller was refused, when the company blocks them.
    public var blocked: CallerBlocklist.Reason?
    /// Whether the company was open, and by which rule.
    public var hours: OpeningDecision?

    public init(
        mode: CallRoutingMode, twiml: String, fallbackReason: String?, blocked: CallerBlocklist.Reason? = nil,
        hours: OpeningDecision? = nil
    ) {
        self.mode = mode
        self.twiml = twiml
        self.fallbackReason = fallbackReason
        self.blocked = blocked
        self.hours = hours
    }

    /// What the archive records as the call's decision: `blocked`, or the mode used.
    public var decision: String { blocked == nil ? mode.rawValue : "blocked" }
}
