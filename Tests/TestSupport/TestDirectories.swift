import SwitchboardCore

/// A new, empty store on each backend, for the suites that run unchanged on all of them.
public enum TestStores {
    /// The backends such a suite runs on, by name.
    public static let backends = ["sqlite", "mongodb"]

    /// A new, empty store on `backend`: an embedded store in a fresh folder, or a fresh
    /// database on the MongoDB server `MONGODB_URI` names.
    public static func make(_ backend: String) throws -> any SwitchboardStore {
        switch backend {
        case "sqlite":
            let path = try TestPaths.temporaryFolder().appendingPathComponent("nested/dir/store.sqlite").path
            return try StoreLocation.sqlite(path: path).open()
        case "mongodb":
            return try StoreLocation.mongodb(uri: try MongoTestServer.freshDatabaseURI()).open(
                appName: "switchboard-tests")
        default:
            throw TestSetupError("no store backend called \(backend)")
        }
    }
}

/// A new, empty directory on each backend.
public enum TestDirectories {
    /// The backends such a suite runs on, by name.
    public static let backends = TestStores.backends

    /// The directory of a new, empty store on `backend`.
    public static func make(_ backend: String) throws -> any TenantDirectory {
        try TestStores.make(backend).directory
    }
}
