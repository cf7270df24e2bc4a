import Logging
import SwitchboardBase

/// Everything Switchboard keeps, in the one place `SWITCHBOARD_STORE` names: opened once
/// per process, it hands out the directory and the stores beside it, which share its
/// connection (the embedded SQLite file) or its pool (MongoDB).
///
/// Each backend is one type (``EmbeddedStore``, ``MongoStore``); code that needs a store
/// asks this value, never which backend it is. A store a later feature adds is one more
/// member here and one implementation per backend, run by the contract suite on both.
public protocol SwitchboardStore: AnyObject {
    /// Where the store is.
    var location: StoreLocation { get }
    /// The companies and their settings.
    var directory: any TenantDirectory { get }
    /// The call and message archive, with `settings`.
    func archive(_ settings: ArchiveSettings) -> any CallArchive
    /// Each company's last health check and when the next one is due.
    func healthStore() -> any CompanyHealthStore
    /// Outbound's idempotency keys and per-company send counts.
    func outboundLedger() -> any OutboundLedger
    /// Which calls each company is to be told of, and how far each announcement got.
    func notificationLedger() -> any NotificationLedger
    /// Who opted out of each company's messages, and when each person last wrote on
    /// WhatsApp.
    func recipientLedger() -> any RecipientLedger
    /// Asks whether the store answers, from any thread (the health check's).
    var probe: DirectoryProbe { get }
    /// A directory another thread may use while this one serves calls: the embedded
    /// store opens its own connection; MongoDB's pool is shared.
    func directoryForAnotherThread() throws(DirectoryError) -> any TenantDirectory
    /// Creates what the store needs to keep its rules (MongoDB's unique number indexes),
    /// saying what it did; `nil` when the store needs nothing (the embedded one's
    /// constraints come with its tables).
    func ensureIndexes() throws(DirectoryError) -> String?
    /// What `ensureIndexes` would do, for a dry run; `nil` when nothing.
    var indexesToEnsure: String? { get }
}

/// How the archive is kept: how long a write may wait for the embedded store's lock,
/// and how many days MongoDB keeps a record (`nil`: for ever).
public struct ArchiveSettings: Sendable, Equatable {
    public var lockTimeoutMilliseconds: Int
    public var retentionDays: Int?

    public init(lockTimeoutMilliseconds: Int = 300, retentionDays: Int? = nil) {
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.retentionDays = retentionDays
    }

    /// `SWITCHBOARD_ARCHIVE_TIMEOUT_MS` and `SWITCHBOARD_ARCHIVE_RETENTION_DAYS`.
    ///
    /// - Throws: ``ConfigurationError`` naming a malformed one.
    public init(_ environment: Environment) throws(ConfigurationError) {
        lockTimeoutMilliseconds = try ArchiveRecorder.timeout(environment)
        retentionDays = try environment["SWITCHBOARD_ARCHIVE_RETENTION_DAYS"].map { _ throws(ConfigurationError) in
            try environment.integer("SWITCHBOARD_ARCHIVE_RETENTION_DAYS", default: 0, range: 1...3_650)
        }
    }
}

extension StoreLocation {
    /// Opens the store here; with `creating` false, a missing embedded store is an error
    /// naming it rather than a new empty one. The MongoDB driver's own warnings go to
    /// `logger`.
    public func open(
        appName: String = "switchboard", creating: Bool = true, logger: Logger = Logger(label: "switchboard.store")
    ) throws(DirectoryError) -> any SwitchboardStore {
        switch self {
        case .sqlite(let path):
            return EmbeddedStore(location: self, directory: try SQLiteTenantDirectory(path: path, creating: creating))
        case .mongodb(let uri):
            return MongoStore(
                location: self, directory: try MongoTenantDirectory(uri: uri, appName: appName, logger: logger))
        }
    }
}
