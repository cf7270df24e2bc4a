import SwitchboardCore

/// A new, empty directory on each backend, for the suites that run unchanged on all of them.
public enum TestDirectories {
    /// The backends such a suite runs on, by name.
    public static let backends = ["sqlite", "mongodb"]

    /// A new, empty directory on `backend`: an embedded store in a fresh folder, or a fresh
    /// database on the MongoDB server `MONGODB_URI` names.
    public static func make(_ backend: String) throws -> any TenantDirectory {
        switch backend {
        case "sqlite":
            return try SQLiteTenantDirectory(
                path: try TestPaths.temporaryFolder().appendingPathComponent("nested/dir/store.sqlite").path)
        case "mongodb":
            return try MongoTenantDirectory(uri: try MongoTestServer.freshDatabaseURI(), appName: "switchboard-tests")
        default:
            throw TestSetupError("no directory backend called \(backend)")
        }
    }
}
