import SQLiteDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The archive in the embedded store's SQLite file: one `archive` table, keyed by sid,
/// indexed by company and time.
///
/// It shares the directory's connection, as the MongoDB archive shares the directory's
/// pool: a process opens the file and reads its schema once, and its own archive writes
/// leave the pages the directory reads in SQLite's cache (a write by another connection
/// empties that cache). Every operation waits at most the archive's lock timeout for
/// another process's write lock, though the directory's own operations wait longer.
public final class SQLiteCallArchive: CallArchive {
    /// A connection with the archive's table made and its statements.
    private final class Prepared {
        let database: SQLiteDatabase
        let insertIfAbsent: SQLiteStatement
        let findBySid: SQLiteStatement
        let findByRecording: SQLiteStatement
        let listRecordings: SQLiteStatement
        let updateRecord: SQLiteStatement
        let listRecent: SQLiteStatement
        let listPage: SQLiteStatement
        let deleteOlder: SQLiteStatement
        let countOlder: SQLiteStatement

        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            try database.execute(SQLiteCallArchive.schema)
            insertIfAbsent = database.statement(
                "INSERT INTO archive (sid, company_id, kind, at, record) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sid) DO NOTHING"
            )
            findBySid = database.statement("SELECT record FROM archive WHERE sid = ?1")
            findByRecording = database.statement(
                "SELECT record FROM archive WHERE company_id = ?1 AND json_extract(record, '$.recordingSid') = ?2 LIMIT 1"
            )
            listRecordings = database.statement(
                """
                SELECT record FROM archive WHERE company_id = ?1 AND kind = 'call' AND at < ?2
                AND json_extract(record, '$.recordingSid') IS NOT NULL
                AND json_extract(record, '$.recordingDeletedAt') IS NULL ORDER BY at LIMIT ?3
                """)
            updateRecord = database.statement("UPDATE archive SET record = ?2 WHERE sid = ?1")
            listRecent = database.statement(
                """
                SELECT record FROM archive WHERE company_id = ?1 AND at >= ?2 AND (?3 = '' OR kind = ?3)
                ORDER BY at DESC, sid DESC LIMIT ?4
                """)
            listPage = database.statement(
                """
                SELECT record FROM archive
                WHERE company_id = ?1 AND kind = ?2 AND (?3 = '' OR at < ?3 OR (at = ?3 AND sid < ?4))
                    AND (?5 = '' OR json_extract(record, '$.status') = ?5)
                ORDER BY at DESC, sid DESC LIMIT ?6
                """)
            deleteOlder = database.statement("DELETE FROM archive WHERE at < ?1")
            countOlder = database.statement("SELECT count(*) FROM archive WHERE at < ?1")
        }
    }

    static let schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS archive (
            sid TEXT PRIMARY KEY NOT NULL,
            company_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS archive_by_company_time ON archive(company_id, at);
        CREATE INDEX IF NOT EXISTS archive_by_company_kind_time ON archive(company_id, kind, at, sid);
        """

    public let writesOverNetwork = false

    private let directory: SQLiteTenantDirectory
    private let lockTimeoutMilliseconds: Int32
    private var prepared: Prepared?

    /// The archive in `directory`'s file, on its connection (opened again by the
    /// directory after a failure), waiting at most `lockTimeoutMilliseconds` for another
    /// writer. Nothing is opened or made until the first operation, whose error then
    /// names what failed.
    public init(sharingConnectionOf directory: SQLiteTenantDirectory, lockTimeoutMilliseconds: Int32 = 300) {
        self.directory = directory
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
    }

    /// The connection and statements to use, made ready on first use of a connection.
    private func ready() throws(ArchiveError) -> Prepared {
        let database: SQLiteDatabase
        do { database = try directory.sharedDatabase() } catch { throw ArchiveError(error.description) }
        if let prepared, prepared.database === database { return prepared }
        do {
            let made = try database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                try Prepared(database)
            }
            prepared = made
            return made
        } catch {
            throw ArchiveError("sqlite \(directory.path): \(error)")
        }
    }

    /// Leaves the file without a write-ahead log for the next process to recover, when
    /// no other process is using it.
    public func willExit() {
        (try? directory.sharedDatabase())?.checkpointAndEmptyLog()
    }

    public func record(_ record: ArchiveRecord) throws(ArchiveError) {
        let text = record.jsonText
        let prepared = try ready()
        try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(ArchiveError) in
            try write(record, text: text, with: prepared, merging: true)
        }
    }

    public func recordArrival(_ record: ArchiveRecord) throws(ArchiveError) {
        let text = record.jsonText
        let prepared = try ready()
        try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(ArchiveError) in
            try write(record, text: text, with: prepared, merging: false)
        }
    }

    /// Inserts `record`, or, `merging`, merges it into the stored record with its sid
    /// (``ArchiveRecord/merging(_:)``): a new sid is one statement.
    private func write(_ record: ArchiveRecord, text: String, with prepared: Prepared, merging: Bool)
        throws(ArchiveError)
    {
        do {
            try prepared.insertIfAbsent.run([
                .text(record.sid), .text(record.companyId), .text(record.kind.rawValue), .text(record.at), .text(text),
            ])
            if !merging || prepared.database.changes == 1 { return }
            // The sid is stored already: merge what this record adds, if anything (a retry
            // of the same webhook adds nothing, and is not decoded).
            let adds = try prepared.findBySid.firstText([.text(record.sid)]) { record.mayAdd(toStored: $0) }
            guard adds == true else { return }
            try prepared.database.transaction { () throws(ArchiveError) in
                let rows: [[String?]]
                do { rows = try prepared.findBySid.rows([.text(record.sid)]) } catch { throw ArchiveError("\(error)") }
                guard let stored = rows.first?.first ?? nil else {
                    do {
                        try prepared.insertIfAbsent.run([
                            .text(record.sid), .text(record.companyId), .text(record.kind.rawValue), .text(record.at),
                            .text(text),
                        ])
                    } catch { throw ArchiveError("\(error)") }
                    return
                }
                guard let existing = try? JSONDecoder().decode(ArchiveRecord.self, from: Data(stored.utf8)) else {
                    throw ArchiveError("the stored record of \(record.sid) cannot be read")
                }
                let merged = existing.merging(record)
                guard merged != existing else { return }
                do { try prepared.updateRecord.run([.text(record.sid), .text(merged.jsonText)]) } catch {
                    throw ArchiveError("\(error)")
                }
            }
        } catch let error as ArchiveError {
            throw error
        } catch let error as TransactionError<ArchiveError> {
            switch error {
            case .body(let failure): throw failure
            case .database(let failure): throw ArchiveError(failure.description)
            }
        } catch {
            throw ArchiveError("\(error)")
        }
    }

    public func records(companyID: CompanyID, since: Date?, kind: ArchiveRecord.Kind?, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        let prepared = try ready()
        let rows: [[String?]]
        do {
            rows = try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                try prepared.listRecent.rows([
                    .text(companyID.rawValue), .text(since.map(Timestamp.format) ?? ""), .text(kind?.rawValue ?? ""),
                    .integer(Int64(max(0, limit))),
                ])
            }
        } catch {
            throw ArchiveError("\(error)")
        }
        return rows.compactMap { row in
            (row.first ?? nil).flatMap { try? JSONDecoder().decode(ArchiveRecord.self, from: Data($0.utf8)) }
        }
    }

    public func record(sid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord? {
        let prepared = try ready()
        let rows: [[String?]]
        do {
            rows = try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                try prepared.findBySid.rows([.text(sid)])
            }
        } catch {
            throw ArchiveError("\(error)")
        }
        guard let text = rows.first?.first ?? nil,
            let record = try? JSONDecoder().decode(ArchiveRecord.self, from: Data(text.utf8)),
            record.companyId == companyID.rawValue
        else { return nil }
        return record
    }

    public func record(recordingSid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord? {
        try read(\.findByRecording, [.text(companyID.rawValue), .text(recordingSid)]).first
    }

    public func recordingsToDelete(companyID: CompanyID, before: Date, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        try read(
            \.listRecordings,
            [.text(companyID.rawValue), .text(Timestamp.format(before)), .integer(Int64(max(0, limit)))])
    }

    /// The records `statement` finds with `values`.
    private func read(_ statement: KeyPath<Prepared, SQLiteStatement>, _ values: [SQLiteValue]) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        let prepared = try ready()
        let rows: [[String?]]
        do {
            rows = try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                try prepared[keyPath: statement].rows(values)
            }
        } catch {
            throw ArchiveError("\(error)")
        }
        return rows.compactMap { row in
            (row.first ?? nil).flatMap { try? JSONDecoder().decode(ArchiveRecord.self, from: Data($0.utf8)) }
        }
    }

    public func page(
        companyID: CompanyID, kind: ArchiveRecord.Kind, before: ArchiveRecord.Position?, status: String?, limit: Int
    ) throws(ArchiveError) -> [ArchiveRecord] {
        let prepared = try ready()
        let rows: [[String?]]
        do {
            rows = try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                try prepared.listPage.rows([
                    .text(companyID.rawValue), .text(kind.rawValue), .text(before?.at ?? ""), .text(before?.sid ?? ""),
                    .text(status ?? ""),
                    .integer(Int64(max(0, limit))),
                ])
            }
        } catch {
            throw ArchiveError("\(error)")
        }
        return rows.compactMap { row in
            (row.first ?? nil).flatMap { try? JSONDecoder().decode(ArchiveRecord.self, from: Data($0.utf8)) }
        }
    }

    public func prune(before: Date) throws(ArchiveError) -> Int {
        let cutoff = Timestamp.format(before)
        let prepared = try ready()
        do {
            return try prepared.database.withBusyTimeout(lockTimeoutMilliseconds) { () throws(SQLiteError) in
                let count = Int(
                    try prepared.countOlder.rows([.text(cutoff)]).first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0)
                try prepared.deleteOlder.run([.text(cutoff)])
                return count
            }
        } catch {
            throw ArchiveError("\(error)")
        }
    }
}
