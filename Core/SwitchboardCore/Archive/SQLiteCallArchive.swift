import SQLiteDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The archive in the embedded store's SQLite file: one `archive` table, keyed by sid,
/// indexed by company and time. Its own connection, so a busy directory never holds it up.
public final class SQLiteCallArchive: CallArchive {
    private let database: SQLiteDatabase
    private let insertIfAbsent: SQLiteStatement
    private let findBySid: SQLiteStatement
    private let updateRecord: SQLiteStatement
    private let listRecent: SQLiteStatement
    private let deleteOlder: SQLiteStatement
    private let countOlder: SQLiteStatement
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
        """

    public let writesOverNetwork = false

    /// The archive in the SQLite file at `path`, waiting at most `lockTimeoutMilliseconds`
    /// for another writer.
    public init(path: String, lockTimeoutMilliseconds: Int32 = 300) throws(ArchiveError) {
        do {
            database = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: lockTimeoutMilliseconds)
            try database.execute(Self.schema)
            insertIfAbsent = database.statement(
                "INSERT INTO archive (sid, company_id, kind, at, record) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sid) DO NOTHING")
            findBySid = database.statement("SELECT record FROM archive WHERE sid = ?1")
            updateRecord = database.statement("UPDATE archive SET record = ?2 WHERE sid = ?1")
            listRecent = database.statement("""
                SELECT record FROM archive WHERE company_id = ?1 AND at >= ?2 AND (?3 = '' OR kind = ?3)
                ORDER BY at DESC, sid DESC LIMIT ?4
                """)
            deleteOlder = database.statement("DELETE FROM archive WHERE at < ?1")
            countOlder = database.statement("SELECT count(*) FROM archive WHERE at < ?1")
        } catch {
            throw ArchiveError("sqlite \(path): \(error)")
        }
    }

    /// Leaves the file without a write-ahead log for the next process to recover, when
    /// no other process is using it.
    public func willExit() {
        database.checkpointAndEmptyLog()
    }

    public func record(_ record: ArchiveRecord) throws(ArchiveError) {
        let text = record.jsonText
        do {
            guard record.addsToExisting else {
                try insertIfAbsent.run([.text(record.sid), .text(record.companyId), .text(record.kind.rawValue), .text(record.at), .text(text)])
                return
            }
            try database.transaction { () throws(ArchiveError) in
                let rows: [[String?]]
                do { rows = try findBySid.rows([.text(record.sid)]) } catch { throw ArchiveError("\(error)") }
                guard let stored = rows.first?.first ?? nil else {
                    do {
                        try insertIfAbsent.run([.text(record.sid), .text(record.companyId), .text(record.kind.rawValue), .text(record.at), .text(text)])
                    } catch { throw ArchiveError("\(error)") }
                    return
                }
                guard let existing = try? JSONDecoder().decode(ArchiveRecord.self, from: Data(stored.utf8)) else {
                    throw ArchiveError("the stored record of \(record.sid) cannot be read")
                }
                let merged = existing.merging(record)
                guard merged != existing else { return }
                do { try updateRecord.run([.text(record.sid), .text(merged.jsonText)]) } catch { throw ArchiveError("\(error)") }
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

    public func records(companyID: CompanyID, since: Date?, kind: ArchiveRecord.Kind?, limit: Int) throws(ArchiveError) -> [ArchiveRecord] {
        let rows: [[String?]]
        do {
            rows = try listRecent.rows([
                .text(companyID.rawValue), .text(since.map(Timestamp.format) ?? ""), .text(kind?.rawValue ?? ""), .integer(Int64(max(0, limit))),
            ])
        } catch {
            throw ArchiveError("\(error)")
        }
        return rows.compactMap { row in (row.first ?? nil).flatMap { try? JSONDecoder().decode(ArchiveRecord.self, from: Data($0.utf8)) } }
    }

    public func prune(before: Date) throws(ArchiveError) -> Int {
        let cutoff = Timestamp.format(before)
        do {
            let count = Int(try countOlder.rows([.text(cutoff)]).first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0)
            try deleteOlder.run([.text(cutoff)])
            return count
        } catch {
            throw ArchiveError("\(error)")
        }
    }
}
