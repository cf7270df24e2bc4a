import SwitchboardCore

/// A company's Twilio settings as the config API shows them (`GET …/twilio/config`, and
/// the answer to a `PUT`): every field, numbers in E.164, secrets masked.
///
///     { "companyId": "…", "companyName": "…",
///       "twilioConfig": { "accountSid": "AC…", "authToken": "••••1a2b", "hasAuthToken": true,
///                         "authTokenPreviousExpiresAt": null, "apiKey": null, "apiSecret": null,
///                         "hasApiSecret": false, "phoneNumber": null,
///                         "phoneNumbers": [ { "phoneNumber": "+15550100001", "friendlyName": "Front desk",
///                                             "status": "active", "isPrimary": true } ],
///                         "callRoutingMode": "ai-agent", "forwardNumber": null, "recordingEnabled": false,
///                         "whisperMessage": null, "forwardFallback": "voicemail", "voicemailGreeting": null, "agentStreamUrl": "wss://…",
///                         "smsMode": "auto-reply", "smsAutoReply": "Thanks …", "smsForwardNumber": null,
///                         "lastUpdated": "2026-11-27T01:32:10.123Z", "updatedBy": "alice" } }
///
/// The same object, edited, is what `PUT` takes back; the read-only fields (`has…`,
/// `authTokenPreviousExpiresAt`, `lastUpdated`, `updatedBy`) are ignored there.
public struct CompanyConfigView: Encodable, Sendable {
    public let companyId: String
    public let companyName: String
    public let twilioConfig: TwilioConfigView

    /// The view of `company`, its secrets opened with `sealer` only to be masked.
    public init(_ company: Company, sealer: SecretSealer) {
        companyId = company.id.rawValue
        companyName = company.name
        twilioConfig = TwilioConfigView(company, sealer: sealer)
    }
}

/// The `twilioConfig` object of ``CompanyConfigView``; absent values are `null`, so the
/// shape never changes.
public struct TwilioConfigView: Encodable, Sendable {
    public struct Number: Encodable, Sendable {
        public let phoneNumber: String
        public let friendlyName: String?
        public let status: String?
        public let isPrimary: Bool?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(phoneNumber, forKey: .phoneNumber)
            try c.encode(friendlyName, forKey: .friendlyName)
            try c.encode(status, forKey: .status)
            try c.encode(isPrimary ?? false, forKey: .isPrimary)
        }

        enum CodingKeys: String, CodingKey { case phoneNumber, friendlyName, status, isPrimary }
    }

    public let accountSid: String?
    /// The masked token.
    public let authToken: String?
    public let hasAuthToken: Bool
    /// Until when the token the current one replaced is still accepted.
    public let authTokenPreviousExpiresAt: String?
    public let apiKey: String?
    /// The masked API secret.
    public let apiSecret: String?
    public let hasApiSecret: Bool
    public let phoneNumber: String?
    public let phoneNumbers: [Number]
    public let callRoutingMode: String?
    public let forwardNumber: String?
    public let recordingEnabled: Bool
    public let whisperMessage: String?
    /// `voicemail` (what nothing stored means) or `hangup`: what a forward nobody answers gets.
    public let forwardFallback: String
    public let voicemailGreeting: String?
    public let agentStreamUrl: String?
    /// `auto-reply`, `forward` or `none` (what nothing stored means).
    public let smsMode: String
    public let smsAutoReply: String?
    public let smsForwardNumber: String?
    /// `auth-token` or `shared-key`: how the company asks Twilio to sign its webhooks.
    public let webhookSigning: String
    /// The SharedKey Twilio signs with, its secret masked; `nil` when there is none.
    public let webhookSharedKey: SharedKeyView?
    /// Until when the SharedKey a rotation replaced is still accepted.
    public let webhookSharedKeyPreviousExpiresAt: String?
    /// Webhooks not signed with the SharedKey are refused.
    public let requireSharedKey: Bool
    public let lastUpdated: String?
    public let updatedBy: String?

    init(_ company: Company, sealer: SecretSealer) {
        let config = company.twilio
        func e164(_ text: String) -> String { (try? PhoneNumber(parsing: text))?.e164 ?? text }
        accountSid = config.accountSid
        authToken = config.authToken.map {
            SecretMask.mask($0, companyID: company.id, field: .authToken, sealer: sealer)
        }
        hasAuthToken = config.authToken != nil
        authTokenPreviousExpiresAt =
            config.authTokenPrevious == nil ? nil : config.authTokenPreviousExpiresAt.map(Self.canonicalTime)
        apiKey = config.apiKey
        apiSecret = config.apiSecret.map {
            SecretMask.mask($0, companyID: company.id, field: .apiSecret, sealer: sealer)
        }
        hasApiSecret = config.apiSecret != nil
        phoneNumber = config.phoneNumber.map(e164)
        phoneNumbers = config.phoneNumbers.map {
            Number(
                phoneNumber: e164($0.phoneNumber), friendlyName: $0.friendlyName, status: $0.status,
                isPrimary: $0.isPrimary)
        }
        callRoutingMode = config.callRoutingMode
        forwardNumber = config.forwardNumber.map(e164)
        recordingEnabled = config.recordingEnabled
        whisperMessage = config.whisperMessage
        forwardFallback = config.forwardFallback ?? ForwardFallback.voicemail.rawValue
        voicemailGreeting = config.voicemailGreeting
        agentStreamUrl = config.agentStreamUrl
        smsMode = config.smsMode ?? SMSMode.none.rawValue
        smsAutoReply = config.smsAutoReply
        smsForwardNumber = config.smsForwardNumber.map(e164)
        webhookSigning = config.webhookSigning ?? WebhookSigning.authToken.rawValue
        webhookSharedKey = config.webhookSharedKey.map { key in
            SharedKeyView(
                sid: key.sid, algorithm: key.algorithm,
                secret: SecretMask.mask(key.secret, companyID: company.id, field: .webhookSharedKey, sealer: sealer),
                settingId: key.settingId, ruleIds: key.ruleIds)
        }
        webhookSharedKeyPreviousExpiresAt =
            config.webhookSharedKeyPrevious == nil
            ? nil : config.webhookSharedKeyPreviousExpiresAt.map(Self.canonicalTime)
        requireSharedKey = config.requireSharedKey
        lastUpdated = config.lastUpdated.map(Self.canonicalTime)
        updatedBy = config.updatedBy
    }

    /// A stored time in Switchboard's one format, whichever form the store returned.
    static func canonicalTime(_ text: String) -> String {
        Timestamp.parse(text).map(Timestamp.format) ?? text
    }

    enum CodingKeys: String, CodingKey {
        case accountSid, authToken, hasAuthToken, authTokenPreviousExpiresAt, apiKey, apiSecret, hasApiSecret
        case phoneNumber, phoneNumbers, callRoutingMode, forwardNumber, recordingEnabled
        case whisperMessage, forwardFallback, voicemailGreeting, agentStreamUrl, smsMode, smsAutoReply,
            smsForwardNumber, lastUpdated
        case updatedBy, webhookSigning, webhookSharedKey, webhookSharedKeyPreviousExpiresAt, requireSharedKey
    }

    /// A SharedKey as the API shows it: its id, algorithm, and masked secret.
    public struct SharedKeyView: Encodable, Sendable {
        public let sid: String
        public let algorithm: String
        public let secret: String
        public let settingId: String?
        public let ruleIds: [String]

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(sid, forKey: .sid)
            try c.encode(algorithm, forKey: .algorithm)
            try c.encode(secret, forKey: .secret)
            try c.encode(settingId, forKey: .settingId)
            try c.encode(ruleIds, forKey: .ruleIds)
        }
        enum CodingKeys: String, CodingKey { case sid, algorithm, secret, settingId, ruleIds }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accountSid, forKey: .accountSid)
        try c.encode(authToken, forKey: .authToken)
        try c.encode(hasAuthToken, forKey: .hasAuthToken)
        try c.encode(authTokenPreviousExpiresAt, forKey: .authTokenPreviousExpiresAt)
        try c.encode(apiKey, forKey: .apiKey)
        try c.encode(apiSecret, forKey: .apiSecret)
        try c.encode(hasApiSecret, forKey: .hasApiSecret)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encode(phoneNumbers, forKey: .phoneNumbers)
        try c.encode(callRoutingMode, forKey: .callRoutingMode)
        try c.encode(forwardNumber, forKey: .forwardNumber)
        try c.encode(recordingEnabled, forKey: .recordingEnabled)
        try c.encode(whisperMessage, forKey: .whisperMessage)
        try c.encode(forwardFallback, forKey: .forwardFallback)
        try c.encode(voicemailGreeting, forKey: .voicemailGreeting)
        try c.encode(agentStreamUrl, forKey: .agentStreamUrl)
        try c.encode(smsMode, forKey: .smsMode)
        try c.encode(smsAutoReply, forKey: .smsAutoReply)
        try c.encode(smsForwardNumber, forKey: .smsForwardNumber)
        try c.encode(webhookSigning, forKey: .webhookSigning)
        try c.encode(webhookSharedKey, forKey: .webhookSharedKey)
        try c.encode(webhookSharedKeyPreviousExpiresAt, forKey: .webhookSharedKeyPreviousExpiresAt)
        try c.encode(requireSharedKey, forKey: .requireSharedKey)
        try c.encode(lastUpdated, forKey: .lastUpdated)
        try c.encode(updatedBy, forKey: .updatedBy)
    }
}
