import Logging
import SwitchboardBase
import SwitchboardCore
import TwilioREST

/// What an admin function builds once per process: the token gate, the directory, the
/// sealer, the cache to invalidate, and (when asked for) the Twilio client.
///
/// Settings, each checked here so a mistake stops the function at start naming it:
/// `SWITCHBOARD_ADMIN_SECRET` (and `_PREVIOUS`), `SWITCHBOARD_DATA_KEY`,
/// `SWITCHBOARD_STORE`, `REDIS_URL`, `SWITCHBOARD_TOKEN_GRACE_HOURS`, and for Twilio
/// `TWILIO_API_BASE`, `SWITCHBOARD_TWILIO_CONNECT_TIMEOUT_MS`, `SWITCHBOARD_TWILIO_TIMEOUT_MS`.
public final class AdminServices {
    public let gate: AdminGate
    /// Everything `SWITCHBOARD_STORE` holds.
    public let store: any SwitchboardStore
    public let sealer: SecretSealer
    /// The phone → tenant cache a change must invalidate, when `REDIS_URL` is set.
    public let cache: RedisTenantCache?
    public let tokenGracePeriod: Duration

    /// Builds the services from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` naming a wrong setting, ``DirectoryError`` when
    ///   the directory cannot be opened.
    public init(environment: Environment, logger: Logger, appName: String) throws {
        gate = AdminGate(secrets: try AdminSecrets.fromEnvironment(environment))
        sealer = try Settings.sealer(environment)
        tokenGracePeriod = try Settings.tokenGracePeriod(environment)
        store = try Settings.store(environment).open(appName: appName, creating: false, logger: logger)
        cache = try CacheSettings.fromEnvironment(environment).map { RedisTenantCache(settings: $0, logger: logger) }
    }

    /// The store's directory.
    public var directory: any TenantDirectory { store.directory }

    /// The one write path, with this process's cache and grace period.
    public var writer: CompanySettingsWriter {
        CompanySettingsWriter(store: store, sealer: sealer, cache: cache, tokenGracePeriod: tokenGracePeriod)
    }

    /// Runs one admin request: its answer, or the problem it threw, logged (status,
    /// problem type and detail; never a token or a secret).
    public func answer(logger: Logger, _ body: () throws(Problem) -> HTTPResponse) -> HTTPResponse {
        do {
            return try body()
        } catch {
            logger.notice(
                "admin.refused",
                metadata: ["status": "\(error.status)", "problem": "\(error.type)", "detail": "\(error.detail)"])
            return error.response
        }
    }

    /// The view of `company` the config API answers with.
    public func view(_ company: Company) -> CompanyConfigView {
        CompanyConfigView(company, sealer: sealer)
    }
}
