/// MongoDB: the directory's `v2companies` collection and, in collections beside it, the
/// archive, the health records, the outbound ledger and the recipients, all through the process's one
/// libmongoc pool.
public final class MongoStore: SwitchboardStore {
    public let location: StoreLocation
    private let mongo: MongoTenantDirectory

    init(location: StoreLocation, directory: MongoTenantDirectory) {
        self.location = location
        mongo = directory
    }

    public var directory: any TenantDirectory { mongo }

    public func archive(_ settings: ArchiveSettings) -> any CallArchive {
        MongoCallArchive(sharingPoolOf: mongo, retentionDays: settings.retentionDays)
    }

    public func healthStore() -> any CompanyHealthStore { MongoCompanyHealthStore(sharingPoolOf: mongo) }

    public func outboundLedger() -> any OutboundLedger { MongoOutboundLedger(sharingPoolOf: mongo) }

    public func notificationLedger() -> any NotificationLedger { MongoNotificationLedger(sharingPoolOf: mongo) }

    public func recipientLedger() -> any RecipientLedger { MongoRecipientLedger(sharingPoolOf: mongo) }

    public var probe: DirectoryProbe { DirectoryProbe(mongo: mongo) }

    /// The pool is thread-safe: the same directory serves another thread.
    public func directoryForAnotherThread() throws(DirectoryError) -> any TenantDirectory { mongo }

    public func ensureIndexes() throws(DirectoryError) -> String? {
        try mongo.ensureIndexes()
        return "unique number indexes ensured on \(mongo.databaseName).\(MongoTenantDirectory.collection)"
    }

    public var indexesToEnsure: String? {
        "would ensure the unique number indexes on \(mongo.databaseName).\(MongoTenantDirectory.collection)"
    }
}
