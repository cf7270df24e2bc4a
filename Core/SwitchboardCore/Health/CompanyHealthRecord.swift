/// A company's last health check, as stored beside the company and as the health API
/// answers it. It never holds a secret: only statuses, numbers, times and words.
///
/// A company the sweep knows of but has not checked yet has a record too, with no
/// `status` and no `checkedAt`: ConfigPut and the sweep's enrolment write it, so the
/// company is due at once.
public struct CompanyHealthRecord: Codable, Sendable, Equatable {
    /// What Twilio said of the company's account.
    public struct Account: Codable, Sendable, Equatable {
        /// Twilio's `status` (`active`, `suspended`, `closed`), or `nil` when the account
        /// could not be read.
        public var status: String?
        /// What the check found, in words.
        public var message: String
        /// How long the account fetch took.
        public var latencyMs: Double?

        public init(status: String?, message: String, latencyMs: Double? = nil) {
            self.status = status
            self.message = message
            self.latencyMs = latencyMs.map { ($0 * 10).rounded() / 10 }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(message, forKey: .message)
            try c.encode(latencyMs, forKey: .latencyMs)
        }
        enum CodingKeys: String, CodingKey { case status, message, latencyMs }
    }

    /// What Twilio said of the company's messaging service.
    public struct MessagingService: Codable, Sendable, Equatable {
        /// `MG…`
        public var sid: String
        /// False when the service is gone from the account.
        public var exists: Bool
        /// Twilio's `us_app_to_person_registered`: whether US carriers take its texts.
        public var usAppToPersonRegistered: Bool?
        /// What the check found, in words.
        public var message: String

        public init(sid: String, exists: Bool, usAppToPersonRegistered: Bool?, message: String) {
            self.sid = sid
            self.exists = exists
            self.usAppToPersonRegistered = usAppToPersonRegistered
            self.message = message
        }
    }

    public var companyId: String
    public var companyName: String
    /// True when the company has an Account SID and an auth token.
    public var configured: Bool
    /// `nil` until the company's first check.
    public var status: HealthStatus?
    /// When the last check finished (ISO 8601, UTC, milliseconds).
    public var checkedAt: String?
    /// How long the last check took.
    public var durationMs: Double?
    /// The account, when it was asked for.
    public var account: Account?
    /// Each active number's webhook finding.
    public var numbers: [NumberRouting]
    /// The messaging service, when the company sends through one.
    public var messagingService: MessagingService?
    /// What is wrong, in words, most important first; empty when nothing is.
    public var problems: [String]
    /// How many checks in a row found the company `DOWN`.
    public var consecutiveFailures: Int
    /// When the current run of `DOWN` checks began.
    public var failingSince: String?
    /// True when the company waits for a check before its turn (never checked, or
    /// changed since its last check).
    public var due: Bool

    public init(
        companyId: String, companyName: String, configured: Bool, status: HealthStatus? = nil, checkedAt: String? = nil,
        durationMs: Double? = nil, account: Account? = nil, numbers: [NumberRouting] = [], problems: [String] = [],
        consecutiveFailures: Int = 0, failingSince: String? = nil, due: Bool = false
    ) {
        self.companyId = companyId
        self.companyName = companyName
        self.configured = configured
        self.status = status
        self.checkedAt = checkedAt
        self.durationMs = durationMs.map { ($0 * 10).rounded() / 10 }
        self.account = account
        self.numbers = numbers
        self.problems = problems
        self.consecutiveFailures = consecutiveFailures
        self.failingSince = failingSince
        self.due = due
    }

    /// A company known to the sweep, not checked yet.
    public static func unchecked(_ company: Company) -> CompanyHealthRecord {
        CompanyHealthRecord(
            companyId: company.id.rawValue, companyName: company.name, configured: company.hasTwilioCredentials,
            due: true)
    }

    /// This check's result after `previous`: the run of failures carried on or ended.
    public func following(_ previous: CompanyHealthRecord?) -> CompanyHealthRecord {
        var next = self
        if status == .down {
            let failures = previous?.status == .down ? previous?.consecutiveFailures ?? 0 : 0
            next.consecutiveFailures = failures + 1
            next.failingSince = failures > 0 ? previous?.failingSince ?? checkedAt : checkedAt
        } else {
            next.consecutiveFailures = 0
            next.failingSince = nil
        }
        return next
    }

    /// The first problem, or what the status says.
    public var headline: String {
        problems.first ?? account?.message ?? (status == nil ? "not checked yet" : "no problems")
    }

    /// How the listing orders it: problems (`DOWN`, then `DEGRADED`) first.
    public var severity: Int { status?.severity ?? 0 }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(companyId, forKey: .companyId)
        try c.encode(companyName, forKey: .companyName)
        try c.encode(configured, forKey: .configured)
        try c.encode(status, forKey: .status)
        try c.encode(checkedAt, forKey: .checkedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(account, forKey: .account)
        try c.encode(numbers, forKey: .numbers)
        try c.encodeIfPresent(messagingService, forKey: .messagingService)
        try c.encode(problems, forKey: .problems)
        try c.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try c.encode(failingSince, forKey: .failingSince)
        try c.encode(due, forKey: .due)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        companyId = try c.decode(String.self, forKey: .companyId)
        companyName = try c.decodeIfPresent(String.self, forKey: .companyName) ?? ""
        configured = try c.decodeIfPresent(Bool.self, forKey: .configured) ?? false
        status = try c.decodeIfPresent(HealthStatus.self, forKey: .status)
        checkedAt = try c.decodeIfPresent(String.self, forKey: .checkedAt)
        durationMs = try c.decodeIfPresent(Double.self, forKey: .durationMs)
        account = try c.decodeIfPresent(Account.self, forKey: .account)
        numbers = try c.decodeIfPresent([NumberRouting].self, forKey: .numbers) ?? []
        messagingService = try c.decodeIfPresent(MessagingService.self, forKey: .messagingService)
        problems = try c.decodeIfPresent([String].self, forKey: .problems) ?? []
        consecutiveFailures = try c.decodeIfPresent(Int.self, forKey: .consecutiveFailures) ?? 0
        failingSince = try c.decodeIfPresent(String.self, forKey: .failingSince)
        due = try c.decodeIfPresent(Bool.self, forKey: .due) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case companyId, companyName, configured, status, checkedAt, durationMs, account, numbers, messagingService
        case problems
        case consecutiveFailures, failingSince, due
    }
}

extension Company {
    /// True when any of the company's active numbers is a US (or other +1) number: its
    /// texts need A2P 10DLC registration.
    public var hasUSNumbers: Bool {
        numberClaims.contains { $0.isActive && $0.number.e164.hasPrefix("+1") }
    }

    /// True when the company has both an Account SID and an auth token: the sweep
    /// checks it against Twilio.
    public var hasTwilioCredentials: Bool {
        !(twilio.accountSid ?? "").isEmpty && twilio.authToken != nil
    }
}
