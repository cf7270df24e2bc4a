import Logging
import SwitchboardBase

/// What a webhook function (Voice, SMS) builds once per process: the gate that finds
/// and authenticates the owning company, and the recorder of its archive.
///
/// Settings: `SWITCHBOARD_DATA_KEY` (and `_PREVIOUS`), `SWITCHBOARD_PUBLIC_URL`,
/// `SWITCHBOARD_STORE`, `REDIS_URL` and the cache's, `SWITCHBOARD_ARCHIVE` (`off` keeps
/// no archive), `SWITCHBOARD_ARCHIVE_TIMEOUT_MS`, `SWITCHBOARD_ARCHIVE_RETENTION_DAYS`,
/// `SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS`.
public final class WebhookServices {
    public let gate: WebhookGate
    /// The archive's recorder; `nil` when `SWITCHBOARD_ARCHIVE=off`.
    public let recorder: ArchiveRecorder?
    public let store: StoreLocation
    /// When each call's announcement is due (`SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS`).
    public let announcements: AnnouncementSchedule
    /// The store's archive, opened whether or not calls are recorded.
    public let archive: any CallArchive
    /// Everything the process keeps, for the stores a callback may need.
    public let stores: any SwitchboardStore
    /// The notification ledger, made the first time a callback needs it.
    public private(set) lazy var notificationLedger: any NotificationLedger = stores.notificationLedger()
    /// Opt-outs and WhatsApp windows, made the first time a message needs them.
    public private(set) lazy var recipients: any RecipientLedger = stores.recipientLedger()

    /// Builds the services from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` naming a wrong setting, ``DirectoryError`` when
    ///   the store cannot be opened.
    public init(environment: Environment, logger: Logger, appName: String) throws {
        let vault = AuthTokenVault(sealer: try Settings.sealer(environment))
        let publicURL = try Settings.publicURL(environment)
        let opened = try Stores.open(environment, appName: appName, logger: logger)
        let resolver = try Stores.resolver(for: opened.directory, environment: environment, logger: logger)
        gate = WebhookGate(resolver: resolver, vault: vault, publicURL: publicURL)
        let settings = try ArchiveSettings(environment)
        archive = opened.archive(settings)
        recorder =
            try ArchiveRecorder.isEnabled(environment)
            ? ArchiveRecorder(archive: archive, timeoutMilliseconds: settings.lockTimeoutMilliseconds) : nil
        store = opened.location
        stores = opened
        announcements = try AnnouncementSchedule.fromEnvironment(environment)
    }

    /// What the process does last: logs what it counted (the cache's hits and misses),
    /// and lets the archive leave its store tidy for the next process (also with
    /// `SWITCHBOARD_ARCHIVE=off`: other processes still write the store).
    public func willExit() {
        gate.resolver.logStatistics()
        archive.willExit()
    }
}
