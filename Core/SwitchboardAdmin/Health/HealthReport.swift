import SwitchboardCore

/// A dependency's state, as the earlier system reported it.
public enum HealthStatus: String, Sendable, Codable, Comparable {
    case healthy = "HEALTHY"
    case degraded = "DEGRADED"
    case down = "DOWN"
    case notConfigured = "NOT_CONFIGURED"

    /// How bad it is: `NOT_CONFIGURED` and `HEALTHY` are fine, `DOWN` the worst.
    var severity: Int {
        switch self {
        case .healthy, .notConfigured: 0
        case .degraded: 1
        case .down: 2
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.severity < rhs.severity }
}

/// One dependency's answer: `{ "status", "critical", "message", "latencyMs", "details" }`.
public struct DependencyHealth: Sendable, Encodable, Equatable {
    public var status: HealthStatus
    /// Whether its being `DOWN` means calls cannot be answered.
    public var critical: Bool
    public var message: String
    public var latencyMs: Double?
    public var details: [String: AnyJSON]

    public init(status: HealthStatus, critical: Bool, message: String, latencyMs: Double? = nil, details: [String: AnyJSON] = [:]) {
        self.status = status
        self.critical = critical
        self.message = message
        self.latencyMs = latencyMs
        self.details = details
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(critical, forKey: .critical)
        try c.encode(message, forKey: .message)
        try c.encode(latencyMs.map { ($0 * 10).rounded() / 10 }, forKey: .latencyMs)
        try c.encode(details, forKey: .details)
    }
    enum CodingKeys: String, CodingKey { case status, critical, message, latencyMs, details }
}

/// How Twilio routes one of a company's numbers, against this deployment's URLs.
public struct NumberRouting: Sendable, Encodable, Equatable {
    /// `ok`, `not_set`, `url_mismatch`, `wrong_method`, `overridden`, or `not_found` (the
    /// account does not own the number), for calls and for messages.
    public let phoneNumber: String
    public let voice: String
    public let sms: String
    /// What to do about it, for a person; `null` when all is well.
    public let action: String?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encode(voice, forKey: .voice)
        try c.encode(sms, forKey: .sms)
        try c.encode(action, forKey: .action)
    }
    enum CodingKeys: String, CodingKey { case phoneNumber, voice, sms, action }
}

/// One company's account and webhook set-up (`?scope=all`, admins only).
public struct CompanyHealth: Sendable, Encodable, Equatable {
    public let companyId: String
    public let companyName: String
    public var account: DependencyHealth
    public var numbers: [NumberRouting]
    /// What is wrong, in words; empty when nothing is.
    public var problems: [String]
}

/// The answer: every dependency, the worst critical status, when it was checked.
public struct HealthReport: Sendable, Encodable, Equatable {
    public let overall: HealthStatus
    public let checkedAt: String
    public let dependencies: [String: DependencyHealth]
    public let companies: [CompanyHealth]?

    public init(dependencies: [String: DependencyHealth], companies: [CompanyHealth]?, checkedAt: String) {
        self.dependencies = dependencies
        self.companies = companies
        self.checkedAt = checkedAt
        let worst = dependencies.values.filter(\.critical).map(\.status).max() ?? .healthy
        overall = worst == .notConfigured ? .healthy : worst
    }

    /// 503 when a critical dependency is down, so a load balancer or uptime checker can
    /// use the answer as it is; 200 otherwise.
    public var httpStatus: Int {
        dependencies.values.contains { $0.critical && $0.status == .down } ? 503 : 200
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(overall, forKey: .overall)
        try c.encode(checkedAt, forKey: .checkedAt)
        try c.encode(dependencies, forKey: .dependencies)
        try c.encodeIfPresent(companies, forKey: .companies)
    }
    enum CodingKeys: String, CodingKey { case overall, checkedAt, dependencies, companies }
}

extension HealthReport {
    /// One CloudWatch Embedded Metric Format line per dependency: `Status` (0 healthy or
    /// not configured, 1 degraded, 2 down) and `LatencyMs`, by `Dependency`. Written as
    /// plain JSON to standard error, CloudWatch turns them into metrics; no SDK needed.
    public func metricLines(namespace: String = "Switchboard", timestamp milliseconds: Int64) -> [String] {
        dependencies.keys.sorted().map { name in
            let dependency = dependencies[name]!
            var line = "{\"_aws\":{\"Timestamp\":\(milliseconds),\"CloudWatchMetrics\":[{\"Namespace\":\"\(namespace)\","
            line += "\"Dimensions\":[[\"Dependency\"]],\"Metrics\":[{\"Name\":\"Status\",\"Unit\":\"None\"}"
            if dependency.latencyMs != nil { line += ",{\"Name\":\"LatencyMs\",\"Unit\":\"Milliseconds\"}" }
            line += "]}]},\"Dependency\":\"\(name)\",\"Status\":\(dependency.status.severity)"
            if let latency = dependency.latencyMs { line += ",\"LatencyMs\":\((latency * 10).rounded() / 10)" }
            line += ",\"HealthStatus\":\"\(dependency.status.rawValue)\"}"
            return line
        }
    }
}
