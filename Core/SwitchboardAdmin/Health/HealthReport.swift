import SwitchboardCore
import SwitchboardJSON

/// One dependency's answer: `{ "status", "critical", "message", "latencyMs", "details" }`.
public struct DependencyHealth: Sendable, Encodable, Equatable {
    public var status: HealthStatus
    /// Whether its being `DOWN` means calls cannot be answered.
    public var critical: Bool
    public var message: String
    public var latencyMs: Double?
    public var details: [String: JSONValue]

    public init(
        status: HealthStatus, critical: Bool, message: String, latencyMs: Double? = nil,
        details: [String: JSONValue] = [:]
    ) {
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

/// The answer: every dependency, the worst critical status, when it was checked, and
/// with `?scope=all` the companies' stored health.
public struct HealthReport: Sendable, Encodable, Equatable {
    public let overall: HealthStatus
    public let checkedAt: String
    public let dependencies: [String: DependencyHealth]
    /// With `?scope=all`: every company's stored health, summed up, and a page of it.
    public var tenants: TenantHealthPage?

    public init(dependencies: [String: DependencyHealth], checkedAt: String, tenants: TenantHealthPage? = nil) {
        self.dependencies = dependencies
        self.tenants = tenants
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
        if let tenants {
            try c.encode(tenants.summary, forKey: .summary)
            try c.encode(tenants.companies, forKey: .companies)
            try c.encode(tenants.next, forKey: .next)
        }
    }
    enum CodingKeys: String, CodingKey { case overall, checkedAt, dependencies, summary, companies, next }
}

extension HealthReport {
    /// One CloudWatch Embedded Metric Format line per dependency: `Status` (0 healthy or
    /// not configured, 1 degraded, 2 down) and `LatencyMs`, by `Dependency`. Written as
    /// plain JSON to standard error, CloudWatch turns them into metrics; no SDK needed.
    public func metricLines(namespace: String = "Switchboard", timestamp milliseconds: Int64) -> [String] {
        dependencies.keys.sorted().map { name in
            let dependency = dependencies[name]!
            var line =
                "{\"_aws\":{\"Timestamp\":\(milliseconds),\"CloudWatchMetrics\":[{\"Namespace\":\"\(namespace)\","
            line += "\"Dimensions\":[[\"Dependency\"]],\"Metrics\":[{\"Name\":\"Status\",\"Unit\":\"None\"}"
            if dependency.latencyMs != nil { line += ",{\"Name\":\"LatencyMs\",\"Unit\":\"Milliseconds\"}" }
            line += "]}]},\"Dependency\":\"\(name)\",\"Status\":\(dependency.status.severity)"
            if let latency = dependency.latencyMs { line += ",\"LatencyMs\":\((latency * 10).rounded() / 10)" }
            line += ",\"HealthStatus\":\"\(dependency.status.rawValue)\"}"
            return line
        }
    }
}
