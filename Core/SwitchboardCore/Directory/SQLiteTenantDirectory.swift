import SQLiteDriver

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The embedded directory: one SQLite file, so Switchboard runs with no server at all.
///
/// Each company is one row holding its document as JSON. Its numbers are rows of
/// `phone_numbers`, keyed by E.164, whose primary key is what makes a number belong to
/// one company only: a second company claiming it fails inside the same transaction that
/// writes its document, so nothing is half-saved. A row's `active` holds the channels the
/// number answers on: 1 calls and texts, 2 WhatsApp (both: 3).
/// A file that cannot be opened or written (the disk full, the file system read-only,
/// another writer holding the lock) does not stop a function: its operations fail with
/// the cause named, and the next operation opens the file again, so a warm process
/// recovers by itself. Only a missing file stops a function at start.
public final class SQLiteTenantDirectory: TenantDirectory {
    /// The open file and its statements.
    private final class Connection {
        let database: SQLiteDatabase
        let findByNumber: SQLiteStatement
        let findByWhatsApp: SQLiteStatement
        let findByID: SQLiteStatement
        let listAll: SQLiteStatement
        let findHolder: SQLiteStatement
        let listPage: SQLiteStatement
        let listWithCredentials: SQLiteStatement
        let listWithRetention: SQLiteStatement
        let upsertCompany: SQLiteStatement
        let deleteNumbers: SQLiteStatement
        let insertNumber: SQLiteStatement

        init(path: String, creating: Bool) throws(SQLiteError) {
            database = try SQLiteDatabase(path: path, mode: creating ? .create : .existing)
            // Whoever creates the store (`switchboard seed`, the admin tools) writes the
            // tables and puts the file in WAL mode, which the file keeps; a function only
            // sets what is per connection, and does not parse the schema's DDL at each
            // process start.
            try database.execute(creating ? SQLiteTenantDirectory.schema : SQLiteTenantDirectory.connectionSettings)
            findByNumber = database.statement(
                """
                SELECT c.document FROM phone_numbers p JOIN companies c ON c.id = p.company_id
                WHERE p.e164 = ?1 AND (p.active & 1) = 1
                """)
            findByWhatsApp = database.statement(
                """
                SELECT c.document FROM phone_numbers p JOIN companies c ON c.id = p.company_id
                WHERE p.e164 = ?1 AND (p.active & 2) = 2
                """)
            findByID = database.statement("SELECT document FROM companies WHERE id = ?1")
            listAll = database.statement("SELECT document FROM companies ORDER BY id")
            findHolder = database.statement("SELECT company_id FROM phone_numbers WHERE e164 = ?1")
            listPage = database.statement("SELECT document FROM companies WHERE id > ?1 ORDER BY id LIMIT ?2")
            listWithRetention = database.statement(
                """
                SELECT document FROM companies WHERE id > ?1
                AND json_extract(document, '$.twilioConfig.recordingRetentionDays') IS NOT NULL ORDER BY id LIMIT ?2
                """)
            listWithCredentials = database.statement(
                """
                SELECT document FROM companies WHERE \(SQLiteTenantDirectory.hasCredentials)
                ORDER BY json_extract(document, '$.twilioConfig.lastUpdated'), id LIMIT ?1
                """)
            upsertCompany = database.statement(
                """
                INSERT INTO companies (id, document) VALUES (?1, ?2)
                ON CONFLICT (id) DO UPDATE SET document = excluded.document
                """)
            deleteNumbers = database.statement("DELETE FROM phone_numbers WHERE company_id = ?1")
            insertNumber = database.statement(
                "INSERT INTO phone_numbers (e164, company_id, active) VALUES (?1, ?2, ?3)")
        }
    }

    /// The file's path.
    let path: String
    private let creating: Bool
    private var connection: Connection?
    private var credentialsIndexEnsured = false
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private let decoder = JSONValueDecoder()
    /// Documents already decoded, by the lookup that found them (`i<id>`; number lookups
    /// keep their snapshots in ``tenants``, `n+1555…`), with their exact text: a warm
    /// process answering the same number again compares the text it read with the one it
    /// decoded (no hashing of the whole document) and skips decoding; any change to a
    /// document is a new text.
    private var decoded: [String: Decoded] = [:]

    /// A document read by a lookup by id, decoded.
    private struct Decoded {
        let document: String
        let company: Company
    }
    /// Webhook snapshots read by number lookups, by lookup, with the text they were read from.
    private var tenants: [String: (document: String, tenant: TenantSnapshot)] = [:]

    /// What each connection sets for itself.
    static let connectionSettings = "PRAGMA foreign_keys = ON;"

    static let schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA foreign_keys = ON;
        CREATE TABLE IF NOT EXISTS companies (
            id TEXT PRIMARY KEY NOT NULL,
            document TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS phone_numbers (
            e164 TEXT PRIMARY KEY NOT NULL,
            company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
            active INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS phone_numbers_by_company ON phone_numbers(company_id);
        \(credentialsIndex)
        """

    /// What makes a company's credentials usable to check Twilio with, as SQL over its
    /// document; the same text in the index and the query, so SQLite uses the index.
    static let hasCredentials = """
        json_extract(document, '$.twilioConfig.accountSid') <> '' AND json_extract(document, '$.twilioConfig.authToken') IS NOT NULL
        """

    /// The companies with credentials by `lastUpdated`: the platform check's one-row read.
    static let credentialsIndex = """
        CREATE INDEX IF NOT EXISTS companies_with_credentials
        ON companies(json_extract(document, '$.twilioConfig.lastUpdated'), id) WHERE \(hasCredentials);
        """

    /// Opens the directory in the SQLite file at `path`, creating the file, its folder
    /// and the tables when missing — unless `creating` is false (the functions): a missing
    /// file is then an error naming it, not an empty store answering "not configured",
    /// and a file that exists but cannot be opened now is tried again by each operation.
    public init(path: String, creating: Bool = true) throws(DirectoryError) {
        self.path = path
        self.creating = creating
        if !creating && access(path, F_OK) != 0 {
            throw .unavailable(
                "the embedded store \(path) does not exist; create it with `switchboard seed <companies.json>` (or fix SWITCHBOARD_STORE)"
            )
        }
        if creating {
            do throws(FileSystemError) { try FileSystem.createParentDirectory(of: path) } catch {
                throw .unavailable(error.description)
            }
            _ = try open()
        } else {
            _ = try? open()
        }
    }

    /// The open file, opening it first if needed.
    private func open() throws(DirectoryError) -> Connection {
        if let connection { return connection }
        do throws(SQLiteError) {
            let opened = try Connection(path: path, creating: creating)
            connection = opened
            return opened
        } catch {
            throw unavailable(error)
        }
    }

    /// The directory's connection, opened if needed, for the archive in the same file to
    /// share (``SQLiteCallArchive/init(sharingConnectionOf:lockTimeoutMilliseconds:)``).
    func sharedDatabase() throws(DirectoryError) -> SQLiteDatabase {
        try open().database
    }

    /// `error` as a directory failure naming the file and, when the file system says
    /// so, the cause; the file is opened afresh by the next operation.
    private func unavailable(_ error: SQLiteError) -> DirectoryError {
        connection = nil
        return .unavailable("sqlite \(path): \(error)" + Self.fileSystemCause(of: path))
    }

    /// What the file system holding `path` says, when it explains a failure: read-only,
    /// or full.
    static func fileSystemCause(of path: String) -> String {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var info = statvfs()
        guard statvfs(folder.isEmpty ? "/" : folder, &info) == 0 else { return "" }
        if info.f_flag & UInt(ST_RDONLY) != 0 { return " — the file system holding it is read-only" }
        if info.f_bavail == 0 { return " — the disk holding it is full" }
        return ""
    }

    /// Reads only the webhook settings of the document (``TenantSnapshot/FromDocument``).
    public func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try snapshot(number, from: try open().findByNumber, lookup: "n" + number.e164)
    }

    public func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try snapshot(number, from: try open().findByWhatsApp, lookup: "w" + number.e164)
    }

    private func snapshot(_ number: PhoneNumber, from prepared: SQLiteStatement, lookup: String)
        throws(DirectoryError) -> TenantSnapshot?
    {
        let rows: [[String?]]
        do throws(SQLiteError) { rows = try prepared.rows([.text(number.e164)]) } catch { throw unavailable(error) }
        guard let row = rows.first else { return nil }
        guard let document = row.first ?? nil else { throw .unreadableDocument(nil, "document is NULL") }
        if let known = tenants[lookup], known.document == document { return known.tenant }
        let tenant: TenantSnapshot
        do {
            tenant = try decoder.decode(TenantSnapshot.FromDocument.self, from: document.utf8).snapshot
        } catch {
            throw .unreadableDocument(nil, "\(error)")
        }
        if tenants.count >= 1_024 { tenants.removeAll(keepingCapacity: true) }
        tenants[lookup] = (document, tenant)
        return tenant
    }

    public func company(id: CompanyID) throws(DirectoryError) -> Company? {
        try decodeFirst(\.findByID, [.text(id.rawValue)], lookup: "i" + id.rawValue)?.company
    }

    public func allCompanies() throws(DirectoryError) -> [Company] {
        try decodeAll(\.listAll, [])
    }

    public func companies(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company] {
        try decodeAll(\.listPage, [.text(after?.rawValue ?? ""), .integer(Int64(max(0, limit)))])
    }

    public func companiesWithRecordingRetention(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company] {
        try decodeAll(\.listWithRetention, [.text(after?.rawValue ?? ""), .integer(Int64(max(0, limit)))])
    }

    public func companiesWithTwilioCredentials(limit: Int) throws(DirectoryError) -> [Company] {
        if !credentialsIndexEnsured {
            // A store seeded before the index existed gains it here; a store that cannot be
            // written now is still read, only without the index.
            credentialsIndexEnsured = (try? open().database.execute(Self.credentialsIndex)) != nil
        }
        return try decodeAll(\.listWithCredentials, [.integer(Int64(max(0, limit)))])
    }

    private func decodeAll(_ statement: KeyPath<Connection, SQLiteStatement>, _ values: [SQLiteValue])
        throws(DirectoryError) -> [Company]
    {
        let rows: [[String?]]
        let prepared = try open()[keyPath: statement]
        do throws(SQLiteError) { rows = try prepared.rows(values) } catch { throw unavailable(error) }
        var companies: [Company] = []
        for row in rows {
            companies.append(try decode(row.first ?? nil))
        }
        return companies
    }

    public func companyID(holding number: PhoneNumber) throws(DirectoryError) -> CompanyID? {
        let rows: [[String?]]
        let findHolder = try open().findHolder
        do throws(SQLiteError) { rows = try findHolder.rows([.text(number.e164)]) } catch { throw unavailable(error) }
        guard let text = rows.first?.first ?? nil else { return nil }
        return try? CompanyID(text)
    }

    public func save(_ company: Company) throws(DirectoryError) {
        try write(company, replacing: nil)
    }

    public func save(_ company: Company, replacing expected: Company) throws(DirectoryError) {
        try write(company, replacing: expected)
    }

    /// Writes `company` in one transaction; with `expected`, only while the stored
    /// document still decodes to it (checked inside the transaction, which holds the
    /// write lock, so no other writer can slip in between).
    private func write(_ company: Company, replacing expected: Company?) throws(DirectoryError) {
        let company = company.normalizingNumbers()
        try company.validateForStorage()
        let document: String
        do {
            document = String(decoding: try encoder.encode(company), as: UTF8.self)
        } catch {
            throw .invalidCompany("cannot be encoded: \(error)")
        }
        let connection = try open()
        do throws(TransactionError<DirectoryError>) {
            try connection.database.transaction { () throws(DirectoryError) in
                if let expected {
                    guard
                        try decodeFirst(\.findByID, [.text(company.id.rawValue)], lookup: "i" + company.id.rawValue)?
                            .company == expected
                    else {
                        throw .changedMeanwhile(company.id)
                    }
                }
                do throws(SQLiteError) {
                    try connection.upsertCompany.run([.text(company.id.rawValue), .text(document)])
                    try connection.deleteNumbers.run([.text(company.id.rawValue)])
                } catch {
                    throw unavailable(error)
                }
                for claim in company.numberClaims {
                    do throws(SQLiteError) {
                        try connection.insertNumber.run([
                            .text(claim.number.e164), .text(company.id.rawValue), .integer(claim.activeChannels),
                        ])
                    } catch  where error.isConstraintViolation {
                        throw .numberTaken(claim.number)
                    } catch {
                        throw unavailable(error)
                    }
                }
            }
        } catch {
            switch error {
            case .body(let failure): throw failure
            case .database(let failure): throw unavailable(failure)
            }
        }
    }

    private func decodeFirst(
        _ statement: KeyPath<Connection, SQLiteStatement>, _ values: [SQLiteValue], lookup: String
    ) throws(DirectoryError) -> Decoded? {
        let rows: [[String?]]
        let prepared = try open()[keyPath: statement]
        do throws(SQLiteError) { rows = try prepared.rows(values) } catch { throw unavailable(error) }
        guard let row = rows.first else { return nil }
        guard let document = row.first ?? nil else { throw .unreadableDocument(nil, "document is NULL") }
        if let known = decoded[lookup], known.document == document { return known }
        let company = try decode(document)
        let found = Decoded(document: document, company: company)
        if decoded.count >= 1_024 { decoded.removeAll(keepingCapacity: true) }
        decoded[lookup] = found
        return found
    }

    private func decode(_ document: String?) throws(DirectoryError) -> Company {
        guard let document else { throw .unreadableDocument(nil, "document is NULL") }
        do {
            return try decoder.decode(Company.self, from: document.utf8)
        } catch {
            throw .unreadableDocument(nil, "\(error)")
        }
    }
}
