#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An incoming message, as Twilio posts it: who wrote, to which number, what, and the
/// media they attached.
public struct InboundMessage: Sendable, Equatable {
    /// `MessageSid` (`SM…` or `MM…`).
    public let sid: String?
    public let from: String
    public let to: String
    public let body: String
    /// `MediaUrl0` … `MediaUrl{NumMedia-1}`.
    public let mediaURLs: [String]
    /// `whatsapp` when it reached a WhatsApp sender (`To` is `whatsapp:+1…`).
    public var channel: MessageChannel { MessageChannel.split(to).channel }

    /// The message in Twilio's form parameters.
    public init(_ parameters: FormParameters) {
        sid = parameters["MessageSid"] ?? parameters["SmsMessageSid"] ?? parameters["SmsSid"]
        from = parameters["From"] ?? ""
        to = parameters["To"] ?? ""
        body = parameters["Body"] ?? ""
        let count = min(Int(parameters["NumMedia"] ?? "") ?? 0, 10)
        mediaURLs = (0..<max(0, count)).compactMap { parameters["MediaUrl\($0)"] }
    }

    public init(sid: String?, from: String, to: String, body: String, mediaURLs: [String] = []) {
        self.sid = sid
        self.from = from
        self.to = to
        self.body = body
        self.mediaURLs = mediaURLs
    }
}

/// Decides how Switchboard answers a message, from the owning company's settings.
///
/// - A sender the company blocks (`blockedCallers`, `rejectAnonymous`): nothing (`blocked`).
/// - Outside the company's `businessHours`, its `afterHours` settings (`smsMode`,
///   `smsAutoReply`, `forwardNumber`) take the place of its own.
/// - A keyword Twilio handles (STOP, START, HELP, …): nothing, whatever the mode.
/// - `auto-reply`: `<Message>` with the company's `smsAutoReply`.
/// - `forward`: `<Message to=…>` to `smsForwardNumber` (or `forwardNumber`) carrying who
///   wrote, what, and the media URLs, cut to fit 10 segments, on the company's
///   `smsForwardChannel` (a text, or WhatsApp from the same number).
/// - `none`, or a mode that cannot be carried out: an empty `<Response/>`.
public struct SMSMessagePlanner: Sendable {
    /// The most segments a forward or reply may take.
    public static let maximumSegments = 10
    /// The longest auto-reply a company may set, in characters.
    public static let maximumReplyLength = 1_600

    public init() {}

    /// What was decided, and why when it is not the company's mode.
    public struct Answer: Sendable, Equatable {
        /// `auto-reply`, `forward`, `none`, `keyword` or `blocked`.
        public let action: String
        public let twiml: String
        /// The keyword the message was, if it was one.
        public let keyword: SMSKeyword?
        public let fallbackReason: String?
        /// Whether the company was open, and by which rule.
        public var hours: OpeningDecision? = nil
    }

    /// The answer to `message`, arrived `now`, for the company that owns its number.
    public func answer(tenant company: TenantSnapshot, message: InboundMessage, at now: Date = Date()) -> Answer {
        if CallerBlocklist.refusal(of: message.from, settings: company.settings) != nil {
            return Answer(action: "blocked", twiml: TwiML.response([]), keyword: nil, fallbackReason: nil)
        }
        let hours = OpeningDecision(company.settings, at: now)
        var answer = route(VoiceCallPlanner.routed(company, hours), message: message)
        answer.hours = hours
        return answer
    }

    private func route(_ tenant: TenantSnapshot, message: InboundMessage) -> Answer {
        if let keyword = SMSKeyword(body: message.body) {
            return Answer(action: "keyword", twiml: TwiML.response([]), keyword: keyword, fallbackReason: nil)
        }
        switch tenant.smsMode ?? .whenAbsent {
        case .autoReply:
            guard let reply = tenant.smsAutoReply, !reply.isEmpty else {
                return nothing(because: "auto-reply mode has no smsAutoReply")
            }
            return Answer(
                action: "auto-reply", twiml: TwiML.response([TwiMLElement("Message", text: Self.fit(reply))]),
                keyword: nil, fallbackReason: nil)
        case .forward:
            guard let stored = tenant.smsForwardNumber ?? tenant.forwardNumber,
                let target = try? PhoneNumber(parsing: stored)
            else {
                return nothing(because: "forward mode has no valid smsForwardNumber or forwardNumber")
            }
            let forward = TwiMLElement(
                "Message", Self.forwardAddresses(message, to: target, on: tenant.smsForwardChannel ?? .whenAbsent),
                text: Self.forwardText(message))
            return Answer(action: "forward", twiml: TwiML.response([forward]), keyword: nil, fallbackReason: nil)
        case .none:
            return Answer(action: "none", twiml: TwiML.response([]), keyword: nil, fallbackReason: nil)
        case .unrecognized(let name):
            return nothing(because: "unknown smsMode \"\(name.prefix(40))\"")
        }
    }

    /// The forward's `to` (and, when the forward leaves on another channel than the
    /// message came in on, `from`: the same number on the forward's channel).
    static func forwardAddresses(_ message: InboundMessage, to target: PhoneNumber, on channel: ForwardChannel)
        -> [(String, String)]
    {
        let forwardChannel: MessageChannel = channel == .whatsapp ? .whatsapp : .sms
        let to = ("to", forwardChannel.address(target))
        guard forwardChannel != message.channel else { return [to] }
        let sender = MessageChannel.split(message.to).number
        let from = forwardChannel == .whatsapp ? MessageChannel.whatsappPrefix + sender : sender
        return [to, ("from", from)]
    }

    /// The forwarded text: `From <number>: <body>`, then the media URLs, the body cut
    /// (never inside a character) so that the whole fits ``maximumSegments`` segments.
    public static func forwardText(_ message: InboundMessage) -> String {
        let header = "From \(message.from): "
        let media =
            message.mediaURLs.isEmpty ? "" : "\n" + message.mediaURLs.map { "Media: \($0)" }.joined(separator: "\n")
        let whole = header + message.body + media
        let encoding = SMSEncoding.of(whole)
        let limit = maximumSegments * encoding.unitsPerSegment
        guard encoding.cost(whole) > limit else { return whole }
        let ellipsis = encoding == .gsm7 ? "..." : "…"
        let room = limit - encoding.cost(header) - encoding.cost(media) - encoding.cost(ellipsis)
        if room > 0, let body = encoding.prefix(of: message.body, fitting: room) {
            return header + body + ellipsis + media
        }
        return encoding.prefix(of: whole, fitting: limit) ?? whole
    }

    /// `text` cut to fit ``maximumSegments`` segments.
    static func fit(_ text: String) -> String {
        let encoding = SMSEncoding.of(text)
        return encoding.prefix(of: text, fitting: maximumSegments * encoding.unitsPerSegment) ?? text
    }

    private func nothing(because reason: String) -> Answer {
        Answer(action: "none", twiml: TwiML.response([]), keyword: nil, fallbackReason: reason)
    }
}
