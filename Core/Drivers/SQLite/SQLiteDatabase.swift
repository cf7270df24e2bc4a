internal import CSQLite

/// A failure reported by SQLite, translated once at this boundary.
///
/// `code` is SQLite's primary result code and `extendedCode` its extended one, so callers
/// can tell a constraint violation from a busy database without seeing any C type.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's primary result code (`SQLITE_CONSTRAINT` is 19, `SQLITE_BUSY` is 5).
    public let code: Int32
    /// SQLite's extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY` is 1555).
    public let extendedCode: Int32
    /// What was being done when it failed.
    public let operation: String
    /// SQLite's own message (never contains bound values).
    public let message: String

    /// True when the statement broke a UNIQUE, PRIMARY KEY or other constraint.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }

    public var description: String { "\(operation): \(message) (SQLite code \(extendedCode))" }

    init(code: Int32, operation: String, handle: OpaquePointer?) {
        self.code = code & 0xFF
        self.extendedCode = handle.map { sqlite3_extended_errcode($0) } ?? code
        self.operation = operation
        if let handle, let text = sqlite3_errmsg(handle) {
            self.message = String(cString: text)
        } else {
            self.message = String(cString: sqlite3_errstr(code))
        }
    }
}

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null
}

/// One connection to one SQLite database file. The only owner of its `sqlite3*`.
///
/// Not thread-safe: a function process uses its connection from one thread, one
/// invocation at a time. Concurrent processes (a `switchboard seed` beside a running
/// function) are serialised by SQLite's file locks, in WAL mode, with a busy timeout.
public final class SQLiteDatabase {
    /// How a file is opened.
    public enum OpenMode: Sendable {
        /// Read and write, creating the file when missing.
        case create
        /// Read and write an existing file; a missing one is an error.
        case existing
        /// Read only; a missing file is an error.
        case readOnly
    }

    private let handle: OpaquePointer
    private let busyTimeoutMilliseconds: Int32

    /// Opens (creating if needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: a file path; its directory must exist.
    ///   - busyTimeoutMilliseconds: how long a statement waits for another process's lock.
    /// - Throws: ``SQLiteError`` when the file cannot be opened.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 2_000, mode: OpenMode = .create) throws(SQLiteError) {
        var raw: OpaquePointer?
        let access: Int32 =
            switch mode {
            case .create: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .existing: SQLITE_OPEN_READWRITE
            case .readOnly: SQLITE_OPEN_READONLY
            }
        let flags = access | SQLITE_OPEN_NOMUTEX
        _ = Self.configured
        let status = sqlite3_open_v2(path, &raw, flags, nil)
        guard status == SQLITE_OK, let opened = raw else {
            let error = SQLiteError(code: status, operation: "open \(path)", handle: raw)
            sqlite3_close_v2(raw)
            throw error
        }
        handle = opened
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(opened, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// SQLite's process-wide settings, made once before the first connection: memory
    /// statistics off (nothing reads them, and they lock a mutex per allocation).
    private static let configured: Void = {
        _ = csqlite_disable_memory_statistics()
    }()

    /// Copies the write-ahead log into the database file and empties the log, unless
    /// another connection is using the log at this moment: then nothing is done, and
    /// nothing is waited for. A process about to exit calls it. Otherwise the next
    /// process to open the file reads and checksums the whole log, up to 4 MB, to rebuild
    /// its index, which is most of a one-shot function's start.
    ///
    /// - Returns: whether the log was emptied.
    @discardableResult
    public func checkpointAndEmptyLog() -> Bool {
        withBusyTimeout(0) { sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil) == SQLITE_OK }
    }

    /// How many rows the last statement run on this connection inserted, updated or deleted.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` waiting at most `milliseconds` for another process's lock, then goes
    /// back to the connection's own timeout: for a user of a shared connection whose
    /// operations have a tighter bound (the archive, within a call's answer).
    public func withBusyTimeout<T, E: Error>(_ milliseconds: Int32, _ body: () throws(E) -> T) throws(E) -> T {
        guard milliseconds != busyTimeoutMilliseconds else { return try body() }
        sqlite3_busy_timeout(handle, milliseconds)
        defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
        return try body()
    }

    /// Runs one or more statements that take no parameters and return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else {
            throw SQLiteError(code: status, operation: "execute", handle: handle)
        }
    }

    /// Compiles one statement for repeated use.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let statement = SQLiteStatement(sql: sql, database: self)
        _ = try statement.compiled()
        return statement
    }

    /// One statement for repeated use, compiled the first time it runs: a process that
    /// never runs it (a function answering one call) never pays for compiling it. A
    /// statement that does not compile fails when it runs, with the same error.
    public func statement(_ sql: String) -> SQLiteStatement {
        SQLiteStatement(sql: sql, database: self)
    }

    fileprivate func compile(_ sql: String) throws(SQLiteError) -> OpaquePointer {
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let statement = raw else {
            throw SQLiteError(code: status, operation: "prepare", handle: handle)
        }
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    ///
    /// `IMMEDIATE` takes the write lock up front, so two processes saving at once queue
    /// on the busy timeout instead of failing half-way through.
    public func transaction<T, E: Error>(_ body: () throws(E) -> T) throws(TransactionError<E>) -> T {
        do {
            try execute("BEGIN IMMEDIATE")
        } catch {
            throw .database(error)
        }
        let result: T
        do {
            result = try body()
        } catch {
            try? execute("ROLLBACK")
            throw .body(error)
        }
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw .database(error)
        }
        return result
    }

    fileprivate var rawHandle: OpaquePointer { handle }
}

@available(*, unavailable)
extension SQLiteDatabase: Sendable {}

/// Why a ``SQLiteDatabase/transaction(_:)`` failed: the database itself, or the body.
public enum TransactionError<Body: Error>: Error {
    case database(SQLiteError)
    case body(Body)
}

/// A compiled statement. The only owner of its `sqlite3_stmt*`.
public final class SQLiteStatement {
    private let sql: String
    private var statement: OpaquePointer?
    private let database: SQLiteDatabase
    /// The texts of a run, one after another, and where each is: kept between runs so
    /// that, once warm, a run allocates nothing to bind its values.
    private var texts: [UInt8] = []
    private var places: [Range<Int>] = []

    fileprivate init(sql: String, database: SQLiteDatabase) {
        self.sql = sql
        self.database = database
    }

    deinit {
        if let statement { sqlite3_finalize(statement) }
    }

    /// The compiled statement, compiling it the first time.
    fileprivate func compiled() throws(SQLiteError) -> OpaquePointer {
        if let statement { return statement }
        let compiled = try database.compile(sql)
        statement = compiled
        return compiled
    }

    /// Runs the statement with `values` bound to `?1…?n` and returns every row, each row
    /// as its columns' text (`nil` for NULL). The statement is reset afterwards, so it
    /// can run again.
    @discardableResult
    public func rows(_ values: [SQLiteValue] = []) throws(SQLiteError) -> [[String?]] {
        try bound(values) { (statement) throws(SQLiteError) in try allRows(of: statement) }
    }

    /// Runs the statement with `values` bound and hands `read` the first row's first
    /// column as bytes, in place (empty for NULL): nothing is copied or allocated for it.
    /// `nil` when there is no row. The statement is reset afterwards.
    public func firstText<T>(_ values: [SQLiteValue], _ read: (UnsafeBufferPointer<UInt8>) -> T) throws(SQLiteError)
        -> T?
    {
        try bound(values) { (statement) throws(SQLiteError) -> T? in
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return nil }
            guard status == SQLITE_ROW else {
                throw SQLiteError(code: status, operation: "step", handle: database.rawHandle)
            }
            let length = Int(sqlite3_column_bytes(statement, 0))
            return read(UnsafeBufferPointer(start: sqlite3_column_text(statement, 0), count: length))
        }
    }

    /// Binds `values` to `?1…?n`, runs `body` on the statement, and resets it.
    private func bound<T>(_ values: [SQLiteValue], _ body: (OpaquePointer) throws(SQLiteError) -> T)
        throws(SQLiteError) -> T
    {
        let statement = try compiled()
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        // The texts, one after another in a buffer that outlives the statement's run:
        // SQLite reads each where it is (SQLITE_STATIC) rather than copying it first,
        // which saved an allocation per text (some 3 % of a warm event; make bench).
        texts.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
        for case .text(let text) in values {
            let start = texts.count
            texts.append(contentsOf: text.utf8)
            places.append(start..<texts.count)
        }
        let places = places
        return try texts.withUnsafeBufferPointer { (buffer) throws(SQLiteError) -> T in
            var place = places.makeIterator()
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                let status: Int32
                switch value {
                case .text:
                    let range = place.next() ?? 0..<0
                    // An empty text still needs an address, or SQLite would bind NULL.
                    let start =
                        range.isEmpty
                        ? UnsafeRawPointer(Self.emptyText.utf8Start)
                        : UnsafeRawPointer(buffer.baseAddress! + range.lowerBound)
                    status = sqlite3_bind_text(
                        statement, index, start.assumingMemoryBound(to: CChar.self), Int32(range.count), nil)
                case .integer(let number):
                    status = sqlite3_bind_int64(statement, index, number)
                case .null:
                    status = sqlite3_bind_null(statement, index)
                }
                guard status == SQLITE_OK else {
                    throw SQLiteError(code: status, operation: "bind", handle: database.rawHandle)
                }
            }
            return try body(statement)
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try rows(values)
    }

    /// An empty C string that lives as long as the process, as SQLITE_STATIC needs.
    private static let emptyText: StaticString = ""

    /// Steps `statement` to its end, collecting each row's columns as text.
    private func allRows(of statement: OpaquePointer) throws(SQLiteError) -> [[String?]] {
        var rows: [[String?]] = []
        let columns = sqlite3_column_count(statement)
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else {
                throw SQLiteError(code: status, operation: "step", handle: database.rawHandle)
            }
            var row: [String?] = []
            row.reserveCapacity(Int(columns))
            for column in 0..<columns {
                if let text = sqlite3_column_text(statement, column) {
                    let length = Int(sqlite3_column_bytes(statement, column))
                    row.append(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
                } else {
                    row.append(nil)
                }
            }
            rows.append(row)
        }
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
