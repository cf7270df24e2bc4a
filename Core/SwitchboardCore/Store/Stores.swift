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

    /// The tenant resolver a webhook function uses: the directory `SWITCHBOARD_STORE`
    /// names, behind the Redis cache when `REDIS_URL` is set.
    ///
    /// - Throws: ``ConfigurationError`` for a bad setting, ``DirectoryError`` when the
    ///   directory cannot be opened. Redis being down is not an error: the cache then
    ///   falls back to the directory.
    public static func resolver(_ environment: Environment, logger: Logger, appName: String = "switchboard") throws
        -> any TenantResolver
    {
        try resolver(
            for: try open(environment, appName: appName, logger: logger).directory, environment: environment,
            logger: logger)
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
