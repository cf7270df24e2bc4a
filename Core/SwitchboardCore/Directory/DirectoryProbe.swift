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
        /// A directory of a kind the probe does not know (a test's own).
        case unknown
    }

    private let target: Target

    /// A probe of the store `location` names; on MongoDB through `directory`'s pool.
    public init(_ location: StoreLocation, directory: any TenantDirectory) {
        if case .sqlite(let path) = location {
            target = .sqlite(path: path)
        } else if let mongo = directory as? MongoTenantDirectory {
            target = .mongo(mongo)
        } else {
            target = .unknown
        }
    }

    /// `mongodb` or `sqlite`.
    public var backend: String {
        switch target {
        case .sqlite: "sqlite"
        case .mongo: "mongodb"
        case .unknown: "unknown"
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
        case .unknown:
            throw .unavailable("this directory cannot be probed")
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
