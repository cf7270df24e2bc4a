import Logging
import SwitchboardBase

/// Opens the store `SWITCHBOARD_STORE` names, and the resolver a webhook function finds
/// companies with.
public enum Stores {
    /// The store `SWITCHBOARD_STORE` names. The embedded store is never created here
    /// (only `switchboard seed` and `migrate` create it): a mistyped path stops the
    /// caller with a message naming it.
    ///
    /// - Throws: ``ConfigurationError`` for a bad setting, ``DirectoryError`` when the
    ///   store cannot be opened.
    public static func open(
        _ environment: Environment, appName: String, logger: Logger = Logger(label: "switchboard.store")
    ) throws -> any SwitchboardStore {
        try Settings.store(environment).open(appName: appName, creating: false, logger: logger)
    }

    /// The tenant resolver over `directory`: behind the Redis cache when `REDIS_URL` is set.
    public static func resolver(for directory: any TenantDirectory, environment: Environment, logger: Logger) throws
        -> any TenantResolver
    {
        let directory = DirectoryTenantResolver(directory: directory)
        guard let cacheSettings = try CacheSettings.fromEnvironment(environment) else { return directory }
        logger.info(
            "cache.enabled",
            metadata: [
                "redis": "\(cacheSettings.endpoint)", "ttl_s": "\(cacheSettings.ttlSeconds)",
                "negative_ttl_s": "\(cacheSettings.negativeTTLSeconds)",
                "local_ttl_s": "\(cacheSettings.localTTLSeconds)",
            ])
        return CachingTenantResolver(
            cache: RedisTenantCache(settings: cacheSettings, logger: logger), directory: directory, logger: logger)
    }
}
