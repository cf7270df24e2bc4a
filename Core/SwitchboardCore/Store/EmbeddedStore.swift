/// The embedded store: one SQLite file holding the directory and, in tables beside it,
/// the archive, the health records, the outbound ledger and the recipients, all through one connection.
public final class EmbeddedStore: SwitchboardStore {
    public let location: StoreLocation
    private let embedded: SQLiteTenantDirectory

    init(location: StoreLocation, directory: SQLiteTenantDirectory) {
        self.location = location
        embedded = directory
    }

    public var directory: any TenantDirectory { embedded }

    public func archive(_ settings: ArchiveSettings) -> any CallArchive {
        SQLiteCallArchive(
            sharingConnectionOf: embedded, lockTimeoutMilliseconds: Int32(settings.lockTimeoutMilliseconds))
    }

    public func healthStore() -> any CompanyHealthStore { SQLiteCompanyHealthStore(sharingConnectionOf: embedded) }

    public func outboundLedger() -> any OutboundLedger { SQLiteOutboundLedger(sharingConnectionOf: embedded) }

    public func notificationLedger() -> any NotificationLedger {
        SQLiteNotificationLedger(sharingConnectionOf: embedded)
    }

    public func recipientLedger() -> any RecipientLedger { SQLiteRecipientLedger(sharingConnectionOf: embedded) }

    public var probe: DirectoryProbe { DirectoryProbe(sqlitePath: embedded.path) }

    public func directoryForAnotherThread() throws(DirectoryError) -> any TenantDirectory {
        try SQLiteTenantDirectory(path: embedded.path, creating: false)
    }

    public func ensureIndexes() throws(DirectoryError) -> String? { nil }

    public var indexesToEnsure: String? { nil }
}
