/// A key Twilio signs a company's webhooks with instead of its auth token (Twilio's
/// SharedKey, from the Webhooks configuration API, Public Beta), and what Switchboard
/// made in the company's account to have Twilio use it.
///
/// Stored as `twilioConfig.webhookSharedKey` (and, through a rotation's grace period,
/// `webhookSharedKeyPrevious`):
///
///     { "sid": "webhooks_sharedkey_…", "secret": "sealed:v1:…", "algorithm": "HMAC_SHA256",
///       "settingId": "webhooks_setting_…", "ruleIds": ["webhooks_rule_…"] }
///
/// The secret is sealed at rest like the auth token (`switchboard seed` takes it in
/// clear and seals it); it is opened in memory only, to check one request.
public struct WebhookSharedKey: Codable, Sendable, Equatable {
    /// The SharedKey's id, which Twilio names in `X-Twilio-Webhooks-Signature-Settings`.
    public var sid: String
    /// The SharedKey's secret: the HMAC key.
    public var secret: StoredSecret
    /// `HMAC_SHA256` or `HMAC_SHA1`: what the Setting signs with.
    public var algorithm: String
    /// The Webhook Setting that signs with this key, when Switchboard made it.
    public var settingId: String?
    /// The Webhook Rules that apply the Setting to this deployment's webhook URLs.
    public var ruleIds: [String]

    public init(sid: String, secret: StoredSecret, algorithm: String, settingId: String? = nil, ruleIds: [String] = [])
    {
        self.sid = sid
        self.secret = secret
        self.algorithm = algorithm
        self.settingId = settingId
        self.ruleIds = ruleIds
    }

    enum CodingKeys: String, CodingKey { case sid, secret, algorithm, settingId, ruleIds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sid = try c.decode(String.self, forKey: .sid)
        secret = try c.decode(StoredSecret.self, forKey: .secret)
        algorithm =
            try c.decodeIfPresent(String.self, forKey: .algorithm) ?? WebhookSignatureAlgorithm.hmacSHA256.rawValue
        settingId = try c.decodeIfPresent(String.self, forKey: .settingId)
        ruleIds = try c.decodeIfPresent([String].self, forKey: .ruleIds) ?? []
    }

    /// True when `sid` can be a SharedKey's id as Twilio gives it: 1–128 letters, digits and `_`.
    public static func isValidSid(_ sid: String) -> Bool {
        (1...128).contains(sid.utf8.count)
            && sid.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                    || $0 == UInt8(ascii: "_")
            }
    }
}

/// The algorithms a webhook signature may use.
public enum WebhookSignatureAlgorithm: String, Sendable, CaseIterable {
    case hmacSHA256 = "HMAC_SHA256"
    case hmacSHA1 = "HMAC_SHA1"
}
