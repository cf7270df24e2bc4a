import MongoDriver
import SQLiteDriver

/// Asks the directory whether it answers, for the health check: MongoDB's `ping`
/// through the process's pool, or for the embedded store, opening the file (never
/// creating it) and a read.
///
/// A probe may run on a thread of its own while the function's thread serves calls: the
/// MongoDB probe goes through libmongoc's thread-safe pool, the SQLite one opens its own
/// connection.
public struct DirectoryProbe: @unchecked Sendable {
    private enum Target {
        case sqlite(path: String)
        case mongo(MongoTenantDirectory)
    }

    private let target: Target

    /// A probe of the embedded store at `path`; ``SwitchboardStore/probe`` makes it.
    init(sqlitePath path: String) { target = .sqlite(path: path) }

    /// A probe through `mongo`'s pool; ``SwitchboardStore/probe`` makes it.
    init(mongo: MongoTenantDirectory) { target = .mongo(mongo) }

    /// `mongodb` or `sqlite`.
    public var backend: String {
        switch target {
        case .sqlite: "sqlite"
        case .mongo: "mongodb"
        }
    }

    /// Asks once.
    ///
    /// - Throws: ``DirectoryError`` saying what failed.
    public func run() throws(DirectoryError) {
        switch target {
        case .mongo(let directory):
            try directory.ping()
        case .sqlite(let path):
            do {
                let database = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: 1_000, mode: .readOnly)
                _ = try database.prepare("SELECT count(*) FROM companies").rows()
            } catch {
                throw .unavailable("sqlite \(path): \(error)")
            }
        }
    }
}

extension MongoTenantDirectory {
    /// MongoDB's `ping`.
    public func ping() throws(DirectoryError) {
        do {
            let ping: MongoDocument = ["ping": 1]
            _ = try pool.command(ping.json)
        } catch {
            throw .unavailable(error.description)
        }
    }
}
