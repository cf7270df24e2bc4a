import SQLiteDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The recipient ledger in the embedded store's SQLite file, on the directory's
/// connection: a `recipients` table keyed by company and number, with a partial index
/// over the opted-out rows for the listing and its count.
public final class SQLiteRecipientLedger: RecipientLedger {
    private final class Prepared {
        let database: SQLiteDatabase
        let change: SQLiteStatement
        let find: SQLiteStatement
        let page: SQLiteStatement
        let count: SQLiteStatement
        let whatsApp: SQLiteStatement

        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            try database.execute(SQLiteRecipientLedger.schema)
            // Later wins; at the same time, an opt-out wins over an opt-in.
            change = database.statement(
                """
                INSERT INTO recipients (company_id, number, opted_out, changed_at, source, message_sid)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT (company_id, number) DO UPDATE SET
                    opted_out = excluded.opted_out, changed_at = excluded.changed_at, source = excluded.source,
                    message_sid = excluded.message_sid
                WHERE recipients.changed_at IS NULL OR excluded.changed_at > recipients.changed_at
                    OR (excluded.changed_at = recipients.changed_at AND excluded.opted_out > recipients.opted_out)
                RETURNING 1
                """)
            find = database.statement(
                """
                SELECT opted_out, changed_at, source, last_whatsapp_at FROM recipients
                WHERE company_id = ?1 AND number = ?2
                """)
            page = database.statement(
                """
                SELECT number, changed_at, source, last_whatsapp_at FROM recipients
                WHERE company_id = ?1 AND opted_out = 1 AND number > ?2 ORDER BY number LIMIT ?3
                """)
            count = database.statement("SELECT count(*) FROM recipients WHERE company_id = ?1 AND opted_out = 1")
            whatsApp = database.statement(
                """
                INSERT INTO recipients (company_id, number, opted_out, last_whatsapp_at) VALUES (?1, ?2, 0, ?3)
                ON CONFLICT (company_id, number) DO UPDATE SET last_whatsapp_at = excluded.last_whatsapp_at
                WHERE recipients.last_whatsapp_at IS NULL OR excluded.last_whatsapp_at > recipients.last_whatsapp_at
                """)
        }
    }

    static let schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS recipients (
            company_id TEXT NOT NULL,
            number TEXT NOT NULL,
            opted_out INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT,
            source TEXT,
            message_sid TEXT,
            last_whatsapp_at TEXT,
            PRIMARY KEY (company_id, number)
        );
        CREATE INDEX IF NOT EXISTS recipients_opted_out ON recipients(company_id, number) WHERE opted_out = 1;
        """

    private let directory: SQLiteTenantDirectory
    private var prepared: Prepared?

    /// The ledger in `directory`'s file, on its connection. Nothing is made until the
    /// first operation.
    public init(sharingConnectionOf directory: SQLiteTenantDirectory) {
        self.directory = directory
    }

    private func ready() throws(RecipientLedgerError) -> Prepared {
        let database: SQLiteDatabase
        do { database = try directory.sharedDatabase() } catch { throw RecipientLedgerError(error.description) }
        if let prepared, prepared.database === database { return prepared }
        do {
            let made = try Prepared(database)
            prepared = made
            return made
        } catch {
            throw RecipientLedgerError("sqlite \(directory.path): \(error)")
        }
    }

    /// Runs `body` with the prepared statements, its failure named with the file.
    private func using<T>(_ body: (Prepared) throws(SQLiteError) -> T) throws(RecipientLedgerError) -> T {
        let prepared = try ready()
        do { return try body(prepared) } catch { throw RecipientLedgerError("sqlite \(directory.path): \(error)") }
    }

    @discardableResult
    public func record(_ change: OptChange) throws(RecipientLedgerError) -> Bool {
        try using { prepared throws(SQLiteError) in
            !(try prepared.change.rows([
                .text(change.companyID.rawValue), .text(change.number.e164), .integer(change.optedOut ? 1 : 0),
                .text(Timestamp.format(change.at)), .text(change.source), change.messageSid.map { .text($0) } ?? .null,
            ])).isEmpty
        }
    }

    public func recipient(companyID: CompanyID, number: PhoneNumber) throws(RecipientLedgerError) -> Recipient? {
        let rows = try using { prepared throws(SQLiteError) in
            try prepared.find.rows([.text(companyID.rawValue), .text(number.e164)])
        }
        guard let row = rows.first, row.count == 4 else { return nil }
        return Self.recipient(number, optedOut: row[0] == "1", row.dropFirst())
    }

    public func optOuts(companyID: CompanyID, after: PhoneNumber?, limit: Int) throws(RecipientLedgerError)
        -> [Recipient]
    {
        guard limit > 0 else { return [] }
        let rows = try using { prepared throws(SQLiteError) in
            try prepared.page.rows([.text(companyID.rawValue), .text(after?.e164 ?? ""), .integer(Int64(limit))])
        }
        return rows.compactMap { row in
            guard row.count == 4, let text = row[0], let number = try? PhoneNumber(parsing: text) else { return nil }
            return Self.recipient(number, optedOut: true, row.dropFirst())
        }
    }

    /// A recipient from `changed_at`, `source`, `last_whatsapp_at`.
    private static func recipient(_ number: PhoneNumber, optedOut: Bool, _ columns: ArraySlice<String?>) -> Recipient {
        let columns = Array(columns)
        return Recipient(
            number: number, optedOut: optedOut, changedAt: columns[0].flatMap(Timestamp.parse), source: columns[1],
            lastWhatsAppInbound: columns[2].flatMap(Timestamp.parse))
    }

    public func optOutCount(companyID: CompanyID) throws(RecipientLedgerError) -> Int {
        try using { prepared throws(SQLiteError) in
            try prepared.count.rows([.text(companyID.rawValue)]).first?.first?.flatMap { Int($0) } ?? 0
        }
    }

    public func recordWhatsAppInbound(companyID: CompanyID, number: PhoneNumber, at: Date)
        throws(RecipientLedgerError)
    {
        try using { prepared throws(SQLiteError) in
            try prepared.whatsApp.run([.text(companyID.rawValue), .text(number.e164), .text(Timestamp.format(at))])
        }
    }
}
