import SQLiteDriver
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Company health in the embedded store's SQLite file: one `company_health` row per
/// company, on the directory's connection.
///
/// The row's company is a foreign key with `ON DELETE CASCADE`: deleting a company
/// deletes its health, and a result for a company that is gone is refused. The table is
/// made at first use, so a store seeded before the sweep existed gains it by itself.
public final class SQLiteCompanyHealthStore: CompanyHealthStore {
    private final class Prepared {
        let database: SQLiteDatabase
        let markDue: SQLiteStatement
        let enrol: SQLiteStatement
        let queue: SQLiteStatement
        let countQueue: SQLiteStatement
        let store: SQLiteStatement
        let find: SQLiteStatement
        let findMany: SQLiteStatement
        let remove: SQLiteStatement
        let pageAll: SQLiteStatement
        let pageByStatus: SQLiteStatement
        let countAll: SQLiteStatement
        let countConfigured: SQLiteStatement
        let countUnchecked: SQLiteStatement
        let countByStatus: SQLiteStatement
        let oldest: SQLiteStatement

        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            try database.execute(SQLiteCompanyHealthStore.schema)
            markDue = database.statement(
                """
                INSERT INTO company_health (company_id, configured, due, due_at, checked_at, status, severity, record)
                VALUES (?1, ?2, 1, ?3, NULL, NULL, 0, ?4)
                ON CONFLICT (company_id) DO UPDATE SET configured = excluded.configured, due = 1, due_at = excluded.due_at,
                    record = json_set(company_health.record, '$.companyName', ?5, '$.configured', json(?6))
                """)
            enrol = database.statement(
                """
                INSERT INTO company_health (company_id, configured, due, due_at, checked_at, status, severity, record)
                SELECT id, configured, 1, ?1, NULL, NULL, 0,
                       json_object('companyId', id, 'companyName', name, 'configured', json(CASE configured WHEN 1 THEN 'true' ELSE 'false' END))
                FROM (SELECT id, coalesce(json_extract(document, '$.companyName'), '') AS name,
                             ((\(SQLiteTenantDirectory.hasCredentials)) IS 1) AS configured
                      FROM companies
                      WHERE NOT EXISTS (SELECT 1 FROM company_health h WHERE h.company_id = companies.id)
                      LIMIT ?2)
                """)
            queue = database.statement(
                """
                SELECT company_id FROM company_health
                WHERE due = 1 OR checked_at IS NULL OR checked_at < ?1
                ORDER BY due DESC, checked_at, company_id LIMIT ?2
                """)
            countQueue = database.statement(
                "SELECT count(*) FROM company_health WHERE due = 1 OR checked_at IS NULL OR checked_at < ?1")
            store = database.statement(
                """
                INSERT INTO company_health (company_id, configured, due, due_at, checked_at, status, severity, record)
                VALUES (?1, ?2, 0, NULL, ?3, ?4, ?5, ?6)
                ON CONFLICT (company_id) DO UPDATE SET
                    configured = excluded.configured, checked_at = excluded.checked_at, status = excluded.status,
                    severity = excluded.severity, record = excluded.record,
                    due = (company_health.due_at IS NOT NULL AND company_health.due_at > ?7),
                    due_at = CASE WHEN company_health.due_at > ?7 THEN company_health.due_at END
                """)
            find = database.statement("SELECT record, due FROM company_health WHERE company_id = ?1")
            findMany = database.statement(
                "SELECT record, due FROM company_health WHERE company_id IN (SELECT value FROM json_each(?1))")
            remove = database.statement("DELETE FROM company_health WHERE company_id = ?1")
            pageAll = database.statement(
                """
                SELECT record, due FROM company_health
                WHERE severity < ?1 OR (severity = ?1 AND company_id > ?2)
                ORDER BY severity DESC, company_id LIMIT ?3
                """)
            pageByStatus = database.statement(
                """
                SELECT record, due FROM company_health WHERE status = ?1 AND company_id > ?2 ORDER BY company_id LIMIT ?3
                """)
            countAll = database.statement("SELECT count(*) FROM company_health")
            countConfigured = database.statement("SELECT count(*) FROM company_health WHERE configured = 1")
            countUnchecked = database.statement("SELECT count(*) FROM company_health WHERE checked_at IS NULL")
            countByStatus = database.statement(
                "SELECT status, count(*) FROM company_health WHERE status IS NOT NULL GROUP BY status")
            oldest = database.statement("SELECT min(checked_at) FROM company_health")
        }
    }

    /// The table and its indexes; `IF NOT EXISTS`, so every process may run it.
    static let schema = """
        CREATE TABLE IF NOT EXISTS company_health (
            company_id TEXT PRIMARY KEY NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
            configured INTEGER NOT NULL,
            due INTEGER NOT NULL,
            due_at TEXT,
            checked_at TEXT,
            status TEXT,
            severity INTEGER NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS company_health_queue ON company_health(due DESC, checked_at, company_id);
        CREATE INDEX IF NOT EXISTS company_health_listing ON company_health(severity DESC, company_id);
        CREATE INDEX IF NOT EXISTS company_health_by_status ON company_health(status, company_id);
        CREATE INDEX IF NOT EXISTS company_health_by_check ON company_health(checked_at);
        CREATE INDEX IF NOT EXISTS company_health_by_configured ON company_health(configured);
        """

    private let directory: SQLiteTenantDirectory
    private var prepared: Prepared?
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The health table in `directory`'s file, on its connection. Nothing is made until
    /// the first operation.
    public init(sharingConnectionOf directory: SQLiteTenantDirectory) {
        self.directory = directory
    }

    private func ready() throws(HealthStoreError) -> Prepared {
        let database: SQLiteDatabase
        do { database = try directory.sharedDatabase() } catch { throw HealthStoreError(error.description) }
        if let prepared, prepared.database === database { return prepared }
        do {
            let made = try Prepared(database)
            prepared = made
            return made
        } catch {
            throw HealthStoreError("sqlite \(directory.path): \(error)")
        }
    }

    private func failure(_ error: SQLiteError) -> HealthStoreError {
        HealthStoreError("sqlite \(directory.path): \(error)", companyGone: error.isConstraintViolation)
    }

    public func markDue(_ company: Company, at time: Date) throws(HealthStoreError) {
        let prepared = try ready()
        let record = CompanyHealthRecord.unchecked(company)
        do {
            try prepared.markDue.run([
                .text(company.id.rawValue), .integer(record.configured ? 1 : 0), .text(Timestamp.format(time)),
                .text(try text(of: record)),
                .text(company.name), .text(record.configured ? "true" : "false"),
            ])
        } catch let error as SQLiteError {
            throw failure(error)
        } catch let error as HealthStoreError {
            throw error
        } catch {
            throw HealthStoreError("\(error)")
        }
    }

    public func enrolMissing(limit: Int, at time: Date) throws(HealthStoreError) -> Int {
        let prepared = try ready()
        do {
            let before = try count(prepared.countAll, [])
            try prepared.enrol.run([.text(Timestamp.format(time)), .integer(Int64(max(0, limit)))])
            return try count(prepared.countAll, []) - before
        } catch {
            throw failure(error)
        }
    }

    public func nextDue(notCheckedSince since: Date, limit: Int) throws(HealthStoreError) -> [CompanyID] {
        let prepared = try ready()
        let rows: [[String?]]
        do { rows = try prepared.queue.rows([.text(Timestamp.format(since)), .integer(Int64(max(0, limit)))]) } catch {
            throw failure(error)
        }
        return rows.compactMap { row in (row.first ?? nil).flatMap { try? CompanyID($0) } }
    }

    public func countDue(notCheckedSince since: Date) throws(HealthStoreError) -> Int {
        let prepared = try ready()
        do { return try count(prepared.countQueue, [.text(Timestamp.format(since))]) } catch { throw failure(error) }
    }

    public func store(_ record: CompanyHealthRecord, checkStartedAt startedAt: Date) throws(HealthStoreError) {
        let prepared = try ready()
        var stored = record
        stored.due = false
        let json = try text(of: stored)
        do {
            try prepared.store.run([
                .text(record.companyId), .integer(record.configured ? 1 : 0),
                record.checkedAt.map(SQLiteValue.text) ?? .null,
                record.status.map { .text($0.rawValue) } ?? .null, .integer(Int64(record.severity)), .text(json),
                .text(Timestamp.format(startedAt)),
            ])
        } catch {
            throw failure(error)
        }
    }

    public func record(of id: CompanyID) throws(HealthStoreError) -> CompanyHealthRecord? {
        let prepared = try ready()
        let rows: [[String?]]
        do { rows = try prepared.find.rows([.text(id.rawValue)]) } catch { throw failure(error) }
        return rows.first.flatMap(decode)
    }

    public func records(of ids: [CompanyID]) throws(HealthStoreError) -> [CompanyID: CompanyHealthRecord] {
        guard !ids.isEmpty else { return [:] }
        let prepared = try ready()
        var list = "["
        for (index, id) in ids.enumerated() {
            if index > 0 { list += "," }
            JSONText.appendString(id.rawValue, to: &list)
        }
        list += "]"
        let rows: [[String?]]
        do { rows = try prepared.findMany.rows([.text(list)]) } catch { throw failure(error) }
        var found: [CompanyID: CompanyHealthRecord] = [:]
        for record in rows.compactMap(decode) {
            if let id = try? CompanyID(record.companyId) { found[id] = record }
        }
        return found
    }

    public func remove(_ id: CompanyID) throws(HealthStoreError) {
        let prepared = try ready()
        do { try prepared.remove.run([.text(id.rawValue)]) } catch { throw failure(error) }
    }

    public func page(status: HealthStatus?, after: CompanyHealthPage.Position?, limit: Int) throws(HealthStoreError)
        -> [CompanyHealthRecord]
    {
        let prepared = try ready()
        let rows: [[String?]]
        do {
            if let status {
                rows = try prepared.pageByStatus.rows([
                    .text(status.rawValue), .text(after?.companyId ?? ""), .integer(Int64(max(0, limit))),
                ])
            } else {
                rows = try prepared.pageAll.rows([
                    .integer(Int64(after?.severity ?? Int.max)), .text(after?.companyId ?? ""),
                    .integer(Int64(max(0, limit))),
                ])
            }
        } catch {
            throw failure(error)
        }
        return rows.compactMap(decode)
    }

    public func summary() throws(HealthStoreError) -> CompanyHealthSummary {
        let prepared = try ready()
        do {
            var byStatus: [String: Int] = [:]
            for row in try prepared.countByStatus.rows([]) {
                if let status = row.first ?? nil, let count = (row.count > 1 ? row[1] : nil).flatMap({ Int($0) }) {
                    byStatus[status] = count
                }
            }
            let companies = try count(prepared.countAll, [])
            let unchecked = try count(prepared.countUnchecked, [])
            return CompanyHealthSummary(
                companies: companies, configured: try count(prepared.countConfigured, []),
                checked: companies - unchecked,
                neverChecked: unchecked, down: byStatus[HealthStatus.down.rawValue] ?? 0,
                degraded: byStatus[HealthStatus.degraded.rawValue] ?? 0,
                oldestCheckAt: try prepared.oldest.rows([]).first?.first ?? nil)
        } catch {
            throw failure(error)
        }
    }

    // MARK: Rows

    private func count(_ statement: SQLiteStatement, _ values: [SQLiteValue]) throws(SQLiteError) -> Int {
        Int((try statement.rows(values).first?.first ?? nil) ?? "0") ?? 0
    }

    private func text(of record: CompanyHealthRecord) throws(HealthStoreError) -> String {
        do { return String(decoding: try encoder.encode(record), as: UTF8.self) } catch {
            throw HealthStoreError("the record of \(record.companyId) cannot be encoded: \(error)")
        }
    }

    /// A row of `record, due`; a record that does not decode is left out.
    private func decode(_ row: [String?]) -> CompanyHealthRecord? {
        guard let text = row.first ?? nil,
            var record = try? JSONDecoder().decode(CompanyHealthRecord.self, from: Data(text.utf8))
        else { return nil }
        record.due = (row.count > 1 ? row[1] : nil) == "1"
        return record
    }
}
