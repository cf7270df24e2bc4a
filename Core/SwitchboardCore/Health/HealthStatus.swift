/// A dependency's or a company's state, as the earlier system reported it.
public enum HealthStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case healthy = "HEALTHY"
    case degraded = "DEGRADED"
    case down = "DOWN"
    case notConfigured = "NOT_CONFIGURED"

    /// How bad it is: `NOT_CONFIGURED` and `HEALTHY` are fine, `DOWN` the worst.
    public var severity: Int {
        switch self {
        case .healthy, .notConfigured: 0
        case .degraded: 1
        case .down: 2
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.severity < rhs.severity }
}

/// How Twilio routes one of a company's numbers, against this deployment's URLs.
public struct NumberRouting: Sendable, Codable, Equatable {
    public let phoneNumber: String
    /// `ok`, `not_set`, `url_mismatch`, `wrong_method`, `overridden`, `not_found` (the
    /// account does not own the number) or `unknown` (Twilio could not be asked), for
    /// calls and for messages.
    public let voice: String
    public let sms: String
    /// Whether Twilio reports how the number's calls end to Voice's status route with the
    /// company's id: `ok`, `not_set`, `url_mismatch`, `wrong_method`, or `unknown` (the
    /// number could not be read, or this deployment's URLs are not set).
    public let statusCallback: String
    /// What to do about it, for a person; `null` when all is well.
    public let action: String?

    public init(phoneNumber: String, voice: String, sms: String, statusCallback: String = "unknown", action: String?) {
        self.phoneNumber = phoneNumber
        self.voice = voice
        self.sms = sms
        self.statusCallback = statusCallback
        self.action = action
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        phoneNumber = try c.decode(String.self, forKey: .phoneNumber)
        voice = try c.decode(String.self, forKey: .voice)
        sms = try c.decode(String.self, forKey: .sms)
        // Records stored before the status callback was checked say nothing of it.
        statusCallback = try c.decodeIfPresent(String.self, forKey: .statusCallback) ?? "unknown"
        action = try c.decodeIfPresent(String.self, forKey: .action)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encode(voice, forKey: .voice)
        try c.encode(sms, forKey: .sms)
        try c.encode(statusCallback, forKey: .statusCallback)
        try c.encode(action, forKey: .action)
    }
    enum CodingKeys: String, CodingKey { case phoneNumber, voice, sms, statusCallback, action }
}
