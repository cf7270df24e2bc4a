/// A company setting that names one of a few modes, stored as the mode's name.
///
/// A stored name Switchboard does not know (another system wrote it, or a newer
/// Switchboard did) is kept as ``unrecognized(_:)``: it reads and writes back unchanged,
/// the validator refuses it, `doctor` names it, and whatever acts on the setting answers
/// safely (a call goes to voicemail, a message is archived unanswered). Never a crash.
///
/// A string literal is a mode by its name (`config.smsMode = "forward"`), as in the
/// stored documents and the JSON API.
public protocol SettingMode: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
where RawValue == String, StringLiteralType == String {
    /// The modes Switchboard knows, in the order people are told of them.
    static var known: [Self] { get }
    /// A stored name that is none of ``known``.
    static func unrecognized(_ name: String) -> Self
    /// The mode an absent setting means.
    static var whenAbsent: Self { get }
    /// The name of a known mode; `nil` for an unrecognized one.
    var knownName: String? { get }
}

extension SettingMode {
    /// The mode stored as `rawValue`: a known one, or ``unrecognized(_:)``.
    public init(rawValue: String) { self = Self.named(rawValue) }

    public init(stringLiteral name: String) { self = Self.named(name) }

    /// The mode stored as `name`: a known one, or ``unrecognized(_:)``.
    public static func named(_ name: String) -> Self {
        known.first { $0.knownName == name } ?? .unrecognized(name)
    }

    /// True for a mode Switchboard knows.
    public var isKnown: Bool { knownName != nil }

    /// The known names, for an error message: `ai-agent, voicemail, forward`.
    public static var knownNames: String { known.compactMap(\.knownName).joined(separator: ", ") }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self = Self.named(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// How a company's incoming calls are handled (`callRoutingMode`).
public enum CallRoutingMode: SettingMode {
    /// Connect the call to the company's AI agent over a media stream.
    case aiAgent
    /// Play a greeting and record a message.
    case voicemail
    /// Ring the company's forward number.
    case forward
    /// A stored name Switchboard does not know: calls go to voicemail.
    case unrecognized(String)

    public static let known: [CallRoutingMode] = [.aiAgent, .voicemail, .forward]
    /// No mode stored: voicemail, which never leaves a caller with nothing.
    public static let whenAbsent: CallRoutingMode = .voicemail

    public var knownName: String? {
        switch self {
        case .aiAgent: "ai-agent"
        case .voicemail: "voicemail"
        case .forward: "forward"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}

/// What a forwarded call gets when the forward number does not answer, is busy, or the
/// dial fails (`forwardFallback`).
public enum ForwardFallback: SettingMode {
    /// The company's voicemail: its greeting and `<Record>` (the default).
    case voicemail
    /// The call ends.
    case hangup
    /// A stored name Switchboard does not know: the caller gets voicemail.
    case unrecognized(String)

    public static let known: [ForwardFallback] = [.voicemail, .hangup]
    public static let whenAbsent: ForwardFallback = .voicemail

    public var knownName: String? {
        switch self {
        case .voicemail: "voicemail"
        case .hangup: "hangup"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}

/// What a company's incoming messages get (`smsMode`).
public enum SMSMode: SettingMode {
    /// A `<Message>` back to the sender with the company's automatic reply.
    case autoReply
    /// A `<Message to=…>` to the company's SMS forward number (or its call forward number)
    /// carrying who wrote and what.
    case forward
    /// Nothing (an empty `<Response/>`): the message is only archived.
    case none
    /// A stored name Switchboard does not know: the message is archived, unanswered.
    case unrecognized(String)

    public static let known: [SMSMode] = [.autoReply, .forward, .none]
    public static let whenAbsent: SMSMode = .none

    public var knownName: String? {
        switch self {
        case .autoReply: "auto-reply"
        case .forward: "forward"
        case .none: "none"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}

/// How a company asks Twilio to sign its webhooks (`webhookSigning`).
public enum WebhookSigning: SettingMode {
    /// With the account's auth token (HMAC-SHA1): Twilio's default.
    case authToken
    /// With a SharedKey Switchboard holds (see ``WebhookSharedKey``).
    case sharedKey
    /// A stored name Switchboard does not know: webhooks are checked as they always are.
    case unrecognized(String)

    public static let known: [WebhookSigning] = [.authToken, .sharedKey]
    public static let whenAbsent: WebhookSigning = .authToken

    public var knownName: String? {
        switch self {
        case .authToken: "auth-token"
        case .sharedKey: "shared-key"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}

/// How a company's ring group (`forwardNumbers`) rings (`forwardStrategy`).
public enum ForwardStrategy: SettingMode {
    /// Every number at once; the first to take the call gets it (the default).
    case simultaneous
    /// One number after another, each for `forwardRingSeconds`.
    case sequential
    /// A stored name Switchboard does not know: the group rings at once.
    case unrecognized(String)

    public static let known: [ForwardStrategy] = [.simultaneous, .sequential]
    public static let whenAbsent: ForwardStrategy = .simultaneous

    public var knownName: String? {
        switch self {
        case .simultaneous: "simultaneous"
        case .sequential: "sequential"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}

/// The channel `smsMode: forward` sends a message on to the company's forward number.
public enum ForwardChannel: SettingMode {
    /// A text from the number the message reached (the default).
    case sms
    /// A WhatsApp message from the company's WhatsApp sender; WhatsApp delivers it only
    /// within 24 hours of the forward number's last message to that sender.
    case whatsapp
    /// A stored name Switchboard does not know: forwards go by text.
    case unrecognized(String)

    public static let known: [ForwardChannel] = [.sms, .whatsapp]
    public static let whenAbsent: ForwardChannel = .sms

    public var knownName: String? {
        switch self {
        case .sms: "sms"
        case .whatsapp: "whatsapp"
        case .unrecognized: nil
        }
    }

    public var rawValue: String {
        if case .unrecognized(let name) = self { return name }
        return knownName ?? ""
    }
}
