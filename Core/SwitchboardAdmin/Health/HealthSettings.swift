import SwitchboardBase
import SwitchboardCore
import TwilioREST

/// What the health check checks, and its limits.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `SWITCHBOARD_HEALTH_DEADLINE_MS` | the whole run answers within this, even when every dependency hangs | 5000 |
/// | `SWITCHBOARD_HEALTH_SLOW_MS` | a dependency slower than this is `DEGRADED` | 2000 |
/// | `TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN` | global credentials to check Twilio with (both, or neither) | none: a company's |
/// | `SWITCHBOARD_SWEEP_CONCURRENCY` | how many companies the sweep checks at once | 16 |
/// | `SWITCHBOARD_SWEEP_BUDGET_MS` | how long one scheduled pass may take: announcements (at most a quarter), retention (an eighth), the sweep (the rest) | 50000 |
public struct HealthSettings: Sendable {
    public var deadlineMilliseconds: Int
    public var slowMilliseconds: Int
    /// How many companies the sweep checks at once.
    public var sweepConcurrency = 16
    /// How long one sweep pass may take, its last checks included.
    public var sweepBudgetMilliseconds = 50_000
    public var twilio: TwilioRESTSettings
    /// Global Twilio credentials, when both variables are set.
    public var globalCredentials: TwilioCredentials?
    public var cache: CacheSettings?
    /// This deployment's webhook URLs, which numbers should point at.
    public var targets: WebhookTargets?

    public init(
        deadlineMilliseconds: Int = 5_000, slowMilliseconds: Int = 2_000,
        twilio: TwilioRESTSettings = TwilioRESTSettings(),
        globalCredentials: TwilioCredentials? = nil, cache: CacheSettings? = nil, targets: WebhookTargets? = nil
    ) {
        self.deadlineMilliseconds = deadlineMilliseconds
        self.slowMilliseconds = slowMilliseconds
        self.twilio = twilio
        self.globalCredentials = globalCredentials
        self.cache = cache
        self.targets = targets
    }

    /// The settings the environment gives.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is wrong.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> HealthSettings {
        var settings = HealthSettings(
            deadlineMilliseconds: try environment.integer(
                "SWITCHBOARD_HEALTH_DEADLINE_MS", default: 5_000, range: 100...60_000),
            slowMilliseconds: try environment.integer("SWITCHBOARD_HEALTH_SLOW_MS", default: 2_000, range: 1...60_000),
            twilio: try TwilioRESTSettings.fromEnvironment(environment),
            cache: try CacheSettings.fromEnvironment(environment),
            targets: try WebhookTargets.fromEnvironment(environment))
        settings.sweepConcurrency = try environment.integer(
            "SWITCHBOARD_SWEEP_CONCURRENCY", default: 16, range: 1...256)
        settings.sweepBudgetMilliseconds = try environment.integer(
            "SWITCHBOARD_SWEEP_BUDGET_MS", default: 50_000, range: 1_000...900_000)
        switch (environment["TWILIO_ACCOUNT_SID"], environment["TWILIO_AUTH_TOKEN"]) {
        case (let sid?, let token?):
            guard TwilioSID.isValid(sid, prefix: "AC") else {
                throw ConfigurationError(
                    variable: "TWILIO_ACCOUNT_SID", problem: "must be AC followed by 32 hexadecimal digits")
            }
            settings.globalCredentials = TwilioCredentials(accountSid: sid, authToken: token)
        case (nil, nil):
            break
        case (nil, _):
            throw ConfigurationError(
                variable: "TWILIO_ACCOUNT_SID", problem: "is not set, but TWILIO_AUTH_TOKEN is; set both or neither")
        case (_, nil):
            throw ConfigurationError(
                variable: "TWILIO_AUTH_TOKEN", problem: "is not set, but TWILIO_ACCOUNT_SID is; set both or neither")
        }
        return settings
    }
}
