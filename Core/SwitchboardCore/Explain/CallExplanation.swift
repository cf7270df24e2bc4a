/// What ``CallExplainer`` found, step by step; `--json` prints it as it is.
public struct CallExplanation: Encodable, Sendable {
    /// A company that holds the number some other way than Voice can match.
    public struct NearMiss: Encodable, Sendable, Equatable {
        /// `inactive-entry`, `unmatched-spelling` or `similar-number`.
        public let kind: String
        public let companyId: String
        public let companyName: String
        /// The number as stored.
        public let stored: String
        public let detail: String
    }

    /// The company that answers.
    public struct Owner: Encodable, Sendable, Equatable {
        public let companyId: String
        public let companyName: String
        public let matchedBy: String
    }

    /// What Redis holds for the number.
    public struct CacheState: Encodable, Sendable {
        /// `not-configured`, `unreachable`, `absent`, `leased`, `no-tenant` or `tenant`.
        public var state: String
        public var companyId: String?
        public var remainingSeconds: Int?
        /// Whether it says what the directory says; `nil` when there is nothing to compare.
        public var agrees: Bool?
        public var detail: String
        /// The cached snapshot (never printed: it holds the sealed token).
        var snapshot: TenantSnapshot?

        init(
            state: String, companyId: String? = nil, remainingSeconds: Int? = nil, agrees: Bool? = nil, detail: String,
            snapshot: TenantSnapshot? = nil
        ) {
            self.state = state
            self.companyId = companyId
            self.remainingSeconds = remainingSeconds
            self.agrees = agrees
            self.detail = detail
            self.snapshot = snapshot
        }

        enum CodingKeys: String, CodingKey { case state, companyId, remainingSeconds, agrees, detail }
    }

    /// The replaced token of a rotation.
    public struct PreviousToken: Encodable, Sendable {
        public let expiresAt: String
        public let inWindow: Bool
        public let keyStatus: String
        public let detail: String
    }

    /// Whether the company's credentials can check Twilio's signatures: presence and
    /// which key opens them, never their values.
    public struct Credentials: Encodable, Sendable {
        public let hasAccountSid: Bool
        public let hasAuthToken: Bool
        public let authToken: SecretSealer.KeyStatus
        public let authTokenDetail: String
        public let previousToken: PreviousToken?
        /// Which signature the company's webhooks carry: the auth token's, or a SharedKey's.
        public let signing: String

        enum CodingKeys: String, CodingKey {
            case hasAccountSid, hasAuthToken, authTokenOpens, authTokenDetail, previousToken, signing
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hasAccountSid, forKey: .hasAccountSid)
            try c.encode(hasAuthToken, forKey: .hasAuthToken)
            try c.encode(hasAuthToken && authToken.opens, forKey: .authTokenOpens)
            try c.encode(authTokenDetail, forKey: .authTokenDetail)
            try c.encodeIfPresent(previousToken, forKey: .previousToken)
            try c.encode(signing, forKey: .signing)
        }
    }

    /// The routing mode, and the fallback taken when it cannot be followed.
    /// How the company's messages go out.
    public struct Messaging: Encodable, Sendable {
        /// The messaging service its texts go through (`MG…`), if any.
        public let messagingServiceSid: String?
        /// Its active WhatsApp senders.
        public let whatsAppSenders: [String]
        /// The channel its forwards go on (`sms`, `whatsapp`).
        public let smsForwardChannel: String
    }

    public struct Routing: Encodable, Sendable {
        public let storedMode: String?
        public let usedMode: String
        public let fallback: String?
        public let agentStreamUrl: String?
        public let forwardNumber: String?
        /// In forward mode: every number the forward rings, in order.
        public var ringGroup: [String] = []
        /// In forward mode: `simultaneous` or `sequential`.
        public var forwardStrategy: String?
        /// In forward mode: how long it rings (each number in sequence, the group at once).
        public var forwardRingSeconds: Int?
        /// In forward mode: whether whoever picks up must press 1.
        public var forwardScreening: Bool = false
        public let recordingEnabled: Bool
        public let whisper: Bool
        /// In forward mode: what a caller gets when the forward number does not answer,
        /// is busy or fails (`voicemail` or `hangup`).
        public let forwardFallback: String?
    }

    /// Whether the company is open at the instant explained, and by which rule.
    public struct Hours: Encodable, Sendable {
        public let open: Bool
        /// `always-open`, `hours`, `closed-date` or `outside-hours`.
        public let rule: String
        public let timezone: String?
        /// The company's wall clock at the instant: `2026-12-25 08:30 (fri, UTC-05:00)`.
        public let localTime: String?
        public let instant: String
        public let detail: String
    }

    /// Whether the company takes a call from the caller explained.
    public struct Caller: Encodable, Sendable {
        public let from: String
        public let blocked: Bool
        public let detail: String
    }

    /// What becomes of a voicemail or a missed call: transcribed or not, and whom the
    /// company tells of which.
    public struct Notifications: Encodable, Sendable {
        public let transcribeVoicemail: Bool
        public let notifySms: [String]
        public let notifyEmail: [String]
        /// What is told: `voicemail`, `missed-call`; empty when nobody is told anything.
        public let notifyOn: [String]
    }

    /// How Twilio routes the number (with `--twilio`): its webhook URLs against this
    /// deployment's.
    public struct TwilioRouting: Encodable, Sendable {
        public let voice: String
        public let sms: String
        public let voiceUrl: String?
        public let smsUrl: String?
        public let detail: String

        public init(voice: String, sms: String, voiceUrl: String?, smsUrl: String?, detail: String) {
            self.voice = voice
            self.sms = sms
            self.voiceUrl = voiceUrl
            self.smsUrl = smsUrl
            self.detail = detail
        }
    }

    public let input: String
    public var e164: String?
    public var numberProblem: String?
    public var company: Owner?
    public var nearMisses: [NearMiss] = []
    public var cache = CacheState(state: "not-configured", detail: "")
    public var resolvedFrom: String?
    public var credentials: Credentials?
    public var hours: Hours?
    public var caller: Caller?
    public var routing: Routing?
    public var messaging: Messaging?
    public var notifications: Notifications?
    /// The TwiML Voice answers, exactly.
    public var twiml = ""
    public var twilio: TwilioRouting?
    /// True when a company answers the call.
    public var answered = false
    public var outcome = ""

    init(input: String) {
        self.input = input
    }
}
