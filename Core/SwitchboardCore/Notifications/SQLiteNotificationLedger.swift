import SQLiteDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The notification ledger in the embedded store's SQLite file, on the directory's
/// connection: a `notifications` table, one row per company and call, with an index on
/// when each is due. Rows older than ``NotificationLedgerRetention/days`` are deleted as
/// due ones are read.
public final class SQLiteNotificationLedger: NotificationLedger {
    private final class Prepared {
        let database: SQLiteDatabase
        let schedule: SQLiteStatement
        let claim: SQLiteStatement
        let finish: SQLiteStatement
        let due: SQLiteStatement
        let entry: SQLiteStatement
        let deleteOld: SQLiteStatement

        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            try database.execute(SQLiteNotificationLedger.schema)
            schedule = database.statement(
                """
                INSERT INTO notifications (id, company_id, call_sid, state, failures, due_at, created_at)
                VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)
                ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at
                WHERE state = 'pending' AND due_at > excluded.due_at
                """)
            claim = database.statement(
                "UPDATE notifications SET state = 'sending', due_at = ?3 WHERE id = ?1 AND due_at <= ?2 RETURNING \(SQLiteNotificationLedger.columns)"
            )
            finish = database.statement(
                """
                UPDATE notifications SET state = ?2, failures = failures + ?3, due_at = ?4, last_error = ?5,
                sent_at = ?6, delivered = coalesce(?7, delivered) WHERE id = ?1 AND state = 'sending'
                """)
            due = database.statement(
                "SELECT \(SQLiteNotificationLedger.columns) FROM notifications WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2"
            )
            entry = database.statement("SELECT \(SQLiteNotificationLedger.columns) FROM notifications WHERE id = ?1")
            deleteOld = database.statement("DELETE FROM notifications WHERE created_at < ?1 AND due_at IS NULL")
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY,
            company_id TEXT NOT NULL,
            call_sid TEXT NOT NULL,
            state TEXT NOT NULL,
            failures INTEGER NOT NULL,
            due_at TEXT,
            last_error TEXT,
            sent_at TEXT,
            delivered TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS notifications_due ON notifications(due_at) WHERE due_at IS NOT NULL;
        """

    static let columns = "company_id, call_sid, state, failures, due_at, last_error, sent_at, delivered"

    private let directory: SQLiteTenantDirectory
    private var prepared: Prepared?

    /// The ledger in `directory`'s file, on its connection. Nothing is made until the
    /// first operation.
    public init(sharingConnectionOf directory: SQLiteTenantDirectory) {
        self.directory = directory
    }

    private func ready() throws(NotificationLedgerError) -> Prepared {
        let database: SQLiteDatabase
        do { database = try directory.sharedDatabase() } catch { throw NotificationLedgerError(error.description) }
        if let prepared, prepared.database === database { return prepared }
        do {
            let made = try Prepared(database)
            prepared = made
            return made
        } catch {
            throw NotificationLedgerError("sqlite \(directory.path): \(error)")
        }
    }

    public func schedule(_ call: NotificationKey, dueAt: Date, now: Date) throws(NotificationLedgerError) {
        let prepared = try ready()
        try run { () throws(SQLiteError) in
            try prepared.schedule.run([
                .text(call.description), .text(call.companyID.rawValue), .text(call.callSid),
                .text(Timestamp.format(dueAt)), .text(Timestamp.format(now)),
            ])
        }
    }

    public func claim(_ call: NotificationKey, now: Date, leaseSeconds: Int) throws(NotificationLedgerError)
        -> NotificationEntry?
    {
        let prepared = try ready()
        let rows = try run { () throws(SQLiteError) -> [[String?]] in
            try prepared.claim.rows([
                .text(call.description), .text(Timestamp.format(now)),
                .text(Timestamp.format(now.addingTimeInterval(Double(leaseSeconds)))),
            ])
        }
        return rows.first.flatMap(Self.entry)
    }

    public func finish(_ call: NotificationKey, _ outcome: NotificationOutcome, now: Date)
        throws(NotificationLedgerError)
    {
        let prepared = try ready()
        let values: [SQLiteValue]
        switch outcome {
        case .sent:
            values = [
                .text(NotificationState.sent.rawValue), .integer(0), .null, .null, .text(Timestamp.format(now)), .null,
            ]
        case .skipped:
            values = [.text(NotificationState.skipped.rawValue), .integer(0), .null, .null, .null, .null]
        case .failed(let why, let retryAt, let delivered):
            values = [
                .text((retryAt == nil ? NotificationState.abandoned : .failed).rawValue), .integer(1),
                retryAt.map { .text(Timestamp.format($0)) } ?? .null, .text(why.clipped(to: 500)), .null,
                delivered.isEmpty ? .null : .text(delivered.joined(separator: "\n")),
            ]
        }
        try run { () throws(SQLiteError) in try prepared.finish.run([.text(call.description)] + values) }
    }

    public func due(now: Date, limit: Int) throws(NotificationLedgerError) -> [NotificationEntry] {
        let prepared = try ready()
        let cutoff = now.addingTimeInterval(-Double(NotificationLedgerRetention.days) * 86_400)
        return try run { () throws(SQLiteError) -> [[String?]] in
            try prepared.deleteOld.run([.text(Timestamp.format(cutoff))])
            return try prepared.due.rows([.text(Timestamp.format(now)), .integer(Int64(max(0, limit)))])
        }.compactMap(Self.entry)
    }

    public func entry(_ call: NotificationKey) throws(NotificationLedgerError) -> NotificationEntry? {
        let prepared = try ready()
        return try run { () throws(SQLiteError) in try prepared.entry.rows([.text(call.description)]) }.first.flatMap(
            Self.entry)
    }

    public func entries(companyID: CompanyID, callSids: [String]) throws(NotificationLedgerError)
        -> [NotificationEntry]
    {
        // One indexed read each, on this process's own connection: a page has at most 200.
        var found: [NotificationEntry] = []
        for sid in callSids {
            if let entry = try entry(NotificationKey(companyID: companyID, callSid: sid)) { found.append(entry) }
        }
        return found
    }

    private func run<T>(_ body: () throws(SQLiteError) -> T) throws(NotificationLedgerError) -> T {
        do { return try body() } catch { throw NotificationLedgerError("sqlite \(directory.path): \(error)") }
    }

    /// An entry from a row of ``columns``.
    private static func entry(_ row: [String?]) -> NotificationEntry? {
        guard row.count == 8, let company = row[0].flatMap({ try? CompanyID($0) }), let sid = row[1],
            let state = row[2].flatMap(NotificationState.init(rawValue:))
        else { return nil }
        return NotificationEntry(
            key: NotificationKey(companyID: company, callSid: sid), state: state,
            failures: row[3].flatMap { Int($0) } ?? 0, dueAt: row[4].flatMap(Timestamp.parse), lastError: row[5],
            sentAt: row[6].flatMap(Timestamp.parse),
            delivered: row[7].map { $0.split(separator: "\n").map(String.init) } ?? [])
    }
}
