import SQLiteDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The outbound ledger in the embedded store's SQLite file, on the directory's
/// connection: `outbound_requests` (one row per company and `Idempotency-Key`) and
/// `outbound_sends` (one row per company and minute). Expired rows are deleted as new
/// ones are written, through indexes.
public final class SQLiteOutboundLedger: OutboundLedger {
    private final class Prepared {
        let database: SQLiteDatabase
        let deleteExpired: SQLiteStatement
        let insertClaim: SQLiteStatement
        let findClaim: SQLiteStatement
        let settle: SQLiteStatement
        let release: SQLiteStatement
        let countSend: SQLiteStatement
        let deleteOldSends: SQLiteStatement

        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            try database.execute(SQLiteOutboundLedger.schema)
            deleteExpired = database.statement("DELETE FROM outbound_requests WHERE created_at < ?1")
            insertClaim = database.statement(
                """
                INSERT INTO outbound_requests (company_id, key, request_hash, status, body, created_at)
                VALUES (?1, ?2, ?3, NULL, NULL, ?4) ON CONFLICT (company_id, key) DO NOTHING RETURNING 1
                """)
            findClaim = database.statement(
                "SELECT request_hash, status, body, created_at FROM outbound_requests WHERE company_id = ?1 AND key = ?2"
            )
            settle = database.statement(
                "UPDATE outbound_requests SET status = ?3, body = ?4 WHERE company_id = ?1 AND key = ?2")
            release = database.statement(
                "DELETE FROM outbound_requests WHERE company_id = ?1 AND key = ?2 AND status IS NULL")
            countSend = database.statement(
                """
                INSERT INTO outbound_sends (company_id, minute, count) VALUES (?1, ?2, 1)
                ON CONFLICT (company_id, minute) DO UPDATE SET count = count + 1 RETURNING count
                """)
            deleteOldSends = database.statement("DELETE FROM outbound_sends WHERE company_id = ?1 AND minute < ?2")
        }
    }

    static let schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS outbound_requests (
            company_id TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status INTEGER,
            body TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (company_id, key)
        );
        CREATE INDEX IF NOT EXISTS outbound_requests_by_time ON outbound_requests(created_at);
        CREATE TABLE IF NOT EXISTS outbound_sends (
            company_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (company_id, minute)
        );
        """

    private let directory: SQLiteTenantDirectory
    private var prepared: Prepared?

    /// The ledger in `directory`'s file, on its connection. Nothing is made until the
    /// first operation.
    public init(sharingConnectionOf directory: SQLiteTenantDirectory) {
        self.directory = directory
    }

    private func ready() throws(OutboundLedgerError) -> Prepared {
        let database: SQLiteDatabase
        do { database = try directory.sharedDatabase() } catch { throw OutboundLedgerError(error.description) }
        if let prepared, prepared.database === database { return prepared }
        do {
            let made = try Prepared(database)
            prepared = made
            return made
        } catch {
            throw OutboundLedgerError("sqlite \(directory.path): \(error)")
        }
    }

    public func claim(companyID: CompanyID, key: String, requestHash: String, now: Date) throws(OutboundLedgerError)
        -> IdempotencyClaim
    {
        let prepared = try ready()
        let company = SQLiteValue.text(companyID.rawValue)
        let key = SQLiteValue.text(key)
        return try inTransaction(prepared) { () throws(SQLiteError) -> IdempotencyClaim in
            try prepared.deleteExpired.run([
                .text(Timestamp.format(now.addingTimeInterval(-Double(IdempotencyWindow.seconds))))
            ])
            if !(try prepared.insertClaim.rows([company, key, .text(requestHash), .text(Timestamp.format(now))]))
                .isEmpty
            {
                return .claimed
            }
            let row = try prepared.findClaim.rows([company, key]).first ?? []
            return Self.claim(
                hash: row.first ?? nil, status: row.dropFirst().first ?? nil, body: row.dropFirst(2).first ?? nil,
                createdAt: row.dropFirst(3).first ?? nil, requestHash: requestHash)
        }
    }

    /// Runs `body` in one transaction of `prepared`'s connection.
    private func inTransaction<T>(_ prepared: Prepared, _ body: () throws(SQLiteError) -> T) throws(OutboundLedgerError)
        -> T
    {
        do {
            return try prepared.database.transaction(body)
        } catch {
            switch error {
            case .body(let failure), .database(let failure):
                throw OutboundLedgerError("sqlite \(directory.path): \(failure)")
            }
        }
    }

    /// What a stored claim means for a request with `requestHash`.
    static func claim(hash: String?, status: String?, body: String?, createdAt: String?, requestHash: String)
        -> IdempotencyClaim
    {
        guard hash == requestHash else { return .conflict }
        guard let status = status.flatMap({ Int($0) }), let body else {
            return .unfinished(since: createdAt.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0))
        }
        return .replay(OutboundAnswer(status: status, body: body))
    }

    public func settle(companyID: CompanyID, key: String, answer: OutboundAnswer) throws(OutboundLedgerError) {
        let prepared = try ready()
        do {
            try prepared.settle.run([
                .text(companyID.rawValue), .text(key), .integer(Int64(answer.status)), .text(answer.body),
            ])
        } catch {
            throw OutboundLedgerError("\(error)")
        }
    }

    public func release(companyID: CompanyID, key: String) throws(OutboundLedgerError) {
        let prepared = try ready()
        do { try prepared.release.run([.text(companyID.rawValue), .text(key)]) } catch {
            throw OutboundLedgerError("\(error)")
        }
    }

    public func countSend(companyID: CompanyID, minute: Int) throws(OutboundLedgerError) -> Int {
        let prepared = try ready()
        let company = SQLiteValue.text(companyID.rawValue)
        return try inTransaction(prepared) { () throws(SQLiteError) -> Int in
            try prepared.deleteOldSends.run([company, .integer(Int64(minute - 1))])
            return try prepared.countSend.rows([company, .integer(Int64(minute))]).first?.first?.flatMap { Int($0) }
                ?? 1
        }
    }
}
