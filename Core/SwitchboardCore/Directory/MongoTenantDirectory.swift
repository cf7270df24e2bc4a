import Logging
import MongoDriver
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The production directory: the `v2companies` collection the earlier Node.js system
/// wrote, through libmongoc.
///
/// - Lookups by number use that system's query, made complete: an *active* entry of
///   `twilioConfig.phoneNumbers` (`$elemMatch`) or the legacy `twilioConfig.phoneNumber`,
///   matching the E.164 spelling **and** the old `+1-555-123-4567` one, and return only
///   the fields a webhook needs.
/// - Saves `$set` the modelled fields (and `$unset` the cleared ones), leaving fields
///   Switchboard does not model as they were, after checking that no other company holds
///   any of the numbers in either field or spelling. Unique indexes on both fields catch
///   the race two concurrent saves could still run.
/// - The indexes are ensured once per process, at first use (idempotent on the server).
/// - When MongoDB cannot be reached, commands fail at once for a back-off (1 s, doubling
///   to 5 s) instead of each waiting out server selection; the first command after it is
///   the probe. A warm process so waits at most once per back-off, and recovers by itself.
public final class MongoTenantDirectory: TenantDirectory {
    /// The collection, as the earlier system named it.
    public static let collection = "v2companies"

    /// The unique indexes that make a number belong to one company. Partial, so companies
    /// without a number in a field do not collide on a missing value.
    static let indexes: [MongoDocument] = [
        [
            "key": .document(["twilioConfig.phoneNumbers.phoneNumber": 1]),
            "name": "switchboard_phoneNumbers_unique", "unique": true,
            "partialFilterExpression": .document([
                "twilioConfig.phoneNumbers.phoneNumber": .document(["$type": "string"])
            ]),
        ],
        [
            "key": .document(["twilioConfig.phoneNumber": 1]),
            "name": "switchboard_phoneNumber_unique", "unique": true,
            "partialFilterExpression": .document(["twilioConfig.phoneNumber": .document(["$type": "string"])]),
        ],
        // The companies that keep recordings a limited time: the retention pass's pages.
        [
            "key": .document(["twilioConfig.recordingRetentionDays": 1]),
            "name": "switchboard_recording_retention", "sparse": true,
        ],
        // The companies with credentials by `lastUpdated`: the platform check's one-document read.
        [
            "key": .document(["twilioConfig.lastUpdated": 1, "_id": 1]),
            "name": "switchboard_credentials_by_update",
            "partialFilterExpression": .document(MongoTenantDirectory.credentialsFilter),
        ],
    ]

    /// The companies holding an Account SID and an auth token.
    static let credentialsFilter: MongoDocument = [
        "twilioConfig.accountSid": .document(["$type": "string"]),
        "twilioConfig.authToken": .document(["$type": "string"]),
    ]

    /// The fields a webhook needs (``TenantSnapshot``'s), as ``CompanySettings`` declares them.
    static let webhookProjection = MongoDocument(
        [("companyName", MongoValue.int(1))]
            + CompanySettings.webhook.map { ("twilioConfig." + $0.name, MongoValue.int(1)) })

    /// The process's one pool, shared with the call archive.
    let pool: MongoClientPool
    private var indexesEnsured = false
    /// MongoDB's recent failures, one record for each way to it: the pool's reader (the
    /// lookups a caller waits on) and the pool itself (the rest). Each finds out for
    /// itself that MongoDB is back: a connection the other left broken costs it one try,
    /// not a longer wait for both.
    private var readerFailures = RecentFailures()
    private var poolFailures = RecentFailures()
    /// Why the indexes could not be created, if they could not (e.g. duplicates exist:
    /// `switchboard doctor` names them).
    public private(set) var indexProblem: String?

    /// A directory on the deployment `uri` names; the database comes from the URI
    /// (default `switchboard`). No connection is made until the first operation.
    /// libmongoc's own warnings go to `logger`.
    public init(uri: String, appName: String, logger: Logger = Logger(label: "switchboard.mongodb"))
        throws(DirectoryError)
    {
        do {
            pool = try MongoClientPool(uri: uri, appName: appName, logger: logger)
        } catch {
            throw .unavailable(error.description)
        }
    }

    /// The database in use.
    public var databaseName: String { pool.databaseName }

    // MARK: TenantDirectory

    public func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        ensureIndexesOnce()
        let spellings = Self.spellings(of: number)
        let filter: MongoDocument = [
            "$or": .array([
                .document([
                    "twilioConfig.phoneNumbers": .document([
                        "$elemMatch": .document([
                            "phoneNumber": .document(["$in": .array(spellings)]), "status": "active",
                            "channel": .document(["$ne": .string(MessageChannel.whatsapp.rawValue)]),
                        ])
                    ])
                ]),
                .document(["twilioConfig.phoneNumber": .document(["$in": .array(spellings)])]),
            ])
        ]
        return try find(filter, projection: Self.webhookProjection, limit: 1, waitedOn: true).first.map(
            TenantSnapshot.init)
    }

    /// A WhatsApp sender is a `phoneNumbers` entry with `channel: "whatsapp"`; the legacy
    /// single number never is one.
    public func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        ensureIndexesOnce()
        let filter: MongoDocument = [
            "twilioConfig.phoneNumbers": .document([
                "$elemMatch": .document([
                    "phoneNumber": .document(["$in": .array(Self.spellings(of: number))]), "status": "active",
                    "channel": .string(MessageChannel.whatsapp.rawValue),
                ])
            ])
        ]
        return try find(filter, projection: Self.webhookProjection, limit: 1, waitedOn: true).first.map(
            TenantSnapshot.init)
    }

    public func company(id: CompanyID) throws(DirectoryError) -> Company? {
        ensureIndexesOnce()
        return try find(["_id": .id(id)], limit: 1, waitedOn: true).first
    }

    public func allCompanies() throws(DirectoryError) -> [Company] {
        try find([:], sort: ["_id": 1])
    }

    /// Ordered as MongoDB orders `_id`: string ids before ObjectIds, each in their order.
    public func companies(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company] {
        guard limit > 0 else { return [] }
        var filter: MongoDocument = [:]
        if let after {
            if after.isObjectID {
                filter = ["_id": .document(["$gt": .id(after)])]
            } else {
                // A string id sorts before every ObjectId, and $gt compares within a type.
                filter = [
                    "$or": .array([
                        .document(["_id": .document(["$gt": .string(after.rawValue)])]),
                        .document(["_id": .document(["$type": "objectId"])]),
                    ])
                ]
            }
        }
        return try find(filter, sort: ["_id": 1], limit: limit, singleBatch: false)
    }

    public func companiesWithRecordingRetention(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company] {
        guard limit > 0 else { return [] }
        ensureIndexesOnce()
        var filter: MongoDocument = ["twilioConfig.recordingRetentionDays": .document(["$type": "number"])]
        if let after {
            let later: MongoValue =
                after.isObjectID
                ? .array([.document(["_id": .document(["$gt": .id(after)])])])
                : .array([
                    .document(["_id": .document(["$gt": .string(after.rawValue)])]),
                    .document(["_id": .document(["$type": "objectId"])]),
                ])
            filter.fields.append(("$or", later))
        }
        return try find(filter, sort: ["_id": 1], limit: limit, singleBatch: false)
    }

    public func companiesWithTwilioCredentials(limit: Int) throws(DirectoryError) -> [Company] {
        guard limit > 0 else { return [] }
        ensureIndexesOnce()
        return try find(Self.credentialsFilter, sort: ["twilioConfig.lastUpdated": 1, "_id": 1], limit: limit)
            .filter { !($0.twilio.accountSid ?? "").isEmpty }
    }

    public func survey() throws(DirectoryError) -> DirectorySurvey {
        final class Collected { var documents: [(id: String?, reason: String)] = [] }
        let unreadable = Collected()
        let companies = try find([:], sort: ["_id": 1]) { document, reason in
            var id: String?
            switch document["_id"] {
            case .string(let text)?: id = text
            case .object(let object)?: if case .string(let oid)? = object["$oid"] { id = oid }
            default: break
            }
            unreadable.documents.append((id, reason))
        }
        return DirectorySurvey(companies: companies, unreadable: unreadable.documents)
    }

    public func companyID(holding number: PhoneNumber) throws(DirectoryError) -> CompanyID? {
        let spellings = Self.spellings(of: number)
        let filter: MongoDocument = [
            "$or": .array([
                .document(["twilioConfig.phoneNumbers.phoneNumber": .document(["$in": .array(spellings)])]),
                .document(["twilioConfig.phoneNumber": .document(["$in": .array(spellings)])]),
            ])
        ]
        return try find(filter, projection: ["_id": 1], limit: 1).first?.id
    }

    /// The lookup matches the E.164 spelling and, for +1 numbers, `+1-555-123-4567`.
    public func lookupFinds(_ number: PhoneNumber, storedAs stored: String) -> Bool {
        stored == number.e164 || stored == number.legacyNorthAmericanSpelling
    }

    public func save(_ company: Company) throws(DirectoryError) {
        try write(company, replacing: nil)
    }

    /// The guard is the stored `lastUpdated`, which every save through
    /// ``CompanySettingsWriter`` moves strictly forward (to the millisecond): the update
    /// matches only while the document still carries the time `expected` was read with.
    public func save(_ company: Company, replacing expected: Company) throws(DirectoryError) {
        try write(company, replacing: expected)
    }

    private func write(_ company: Company, replacing expected: Company?) throws(DirectoryError) {
        let company = company.normalizingNumbers()
        try company.validateForStorage()
        ensureIndexesOnce()
        // The write path's check: no *other* company may hold any of these numbers, in
        // either field, in either spelling. (The unique indexes catch a concurrent save.)
        for claim in company.numberClaims {
            let spellings = Self.spellings(of: claim.number)
            let filter: MongoDocument = [
                "_id": .document(["$ne": .id(company.id)]),
                "$or": .array([
                    .document(["twilioConfig.phoneNumbers.phoneNumber": .document(["$in": .array(spellings)])]),
                    .document(["twilioConfig.phoneNumber": .document(["$in": .array(spellings)])]),
                ]),
            ]
            if try !find(filter, projection: ["_id": 1], limit: 1).isEmpty {
                throw .numberTaken(claim.number)
            }
        }
        var query: MongoDocument = ["_id": .id(company.id)]
        if let expected {
            query.fields.append(("twilioConfig.lastUpdated", Self.storedForms(ofTime: expected.twilio.lastUpdated)))
        }
        let update: MongoDocument = [
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(query),
                    "u": .document(Self.changes(for: company)),
                    "upsert": .bool(expected == nil),
                ])
            ]),
        ]
        let reply = try run(update)
        if case .array(let errors)? = reply["writeErrors"], let first = errors.first {
            if case .number(let code)? = first["code"], code == "11000" {
                throw .numberTaken(Self.conflictingNumber(first, company))
            }
            throw .unavailable("update refused: \(first["errmsg"].map { "\($0)" } ?? "write error")")
        }
        if expected != nil, case .number(let matched)? = reply["n"], matched == "0" {
            throw .changedMeanwhile(company.id)
        }
    }

    /// A filter matching a stored time that reads as `text`: a BSON date (how Switchboard
    /// and the earlier system stored it) or a string; `null` when there was none.
    static func storedForms(ofTime text: String?) -> MongoValue {
        guard let text else { return .null }
        var forms: [MongoValue] = [.string(text)]
        if Timestamp.parse(text) != nil { forms.append(.date(text)) }
        return .document(["$in": .array(forms)])
    }

    // MARK: Indexes

    /// Creates the unique indexes (idempotent: an existing identical index is kept).
    ///
    /// - Throws: ``DirectoryError`` when the server refuses, e.g. because two companies
    ///   already hold one number (run `switchboard doctor`).
    public func ensureIndexes() throws(DirectoryError) {
        let command: MongoDocument = [
            "createIndexes": .string(Self.collection),
            "indexes": .array(Self.indexes.map { .document($0) }),
        ]
        do {
            _ = try pool.command(command.json)
        } catch  where error.kind == .duplicateKey {
            throw .invalidCompany(
                "cannot create the unique number indexes: two companies hold one number (\(error.message.prefix(200))); run `switchboard doctor`"
            )
        } catch {
            throw Self.translate(error)
        }
        indexesEnsured = true
        indexProblem = nil
    }

    private func ensureIndexesOnce() {
        guard !indexesEnsured, indexProblem == nil else { return }
        do {
            try ensureIndexes()
        } catch {
            // Reads go on without the indexes; saves keep their own checks.
            if case .unavailable = error { return }  // try again at the next operation
            indexProblem = error.description
        }
    }

    // MARK: Commands

    /// Runs `find` (and `getMore` until the cursor is done). A document that does not
    /// decode throws, unless `unreadable` is given, which then hears of it instead.
    /// `waitedOn`: someone is waiting on the answer (a webhook's lookup, a callback's
    /// company), so it goes through the pool's reader, which gives up within 2 s.
    private func find(
        _ filter: MongoDocument, projection: MongoDocument? = nil, sort: MongoDocument? = nil, limit: Int? = nil,
        singleBatch: Bool = true, waitedOn: Bool = false, unreadable: ((JSONValue, String) -> Void)? = nil
    ) throws(DirectoryError) -> [Company] {
        var command: MongoDocument = ["find": .string(Self.collection), "filter": .document(filter)]
        if let projection { command.fields.append(("projection", .document(projection))) }
        if let sort { command.fields.append(("sort", .document(sort))) }
        if let limit {
            command.fields.append(("limit", .int(limit)))
            if singleBatch { command.fields.append(("singleBatch", true)) }
        }
        var reply = try run(command, waitedOn: waitedOn)
        var companies: [Company] = []
        var batchKey = "firstBatch"
        while true {
            guard case .object(let cursor)? = reply["cursor"], case .array(let batch)? = cursor[batchKey] else {
                throw .unavailable("find answered without a cursor")
            }
            for document in batch {
                do {
                    companies.append(try Self.decodeCompany(document))
                } catch {
                    guard let unreadable else { throw error }
                    unreadable(document, error.description)
                }
            }
            guard case .number(let id)? = cursor["id"], id != "0", limit == nil || !singleBatch else {
                return companies
            }
            reply = try run(
                ["getMore": .int(Int(id) ?? 0), "collection": .string(Self.collection)], waitedOn: waitedOn)
            batchKey = "nextBatch"
        }
    }

    private func run(_ command: MongoDocument, waitedOn: Bool = false) throws(DirectoryError) -> JSONValue {
        var failures = waitedOn ? readerFailures : poolFailures
        defer {
            if waitedOn { readerFailures = failures } else { poolFailures = failures }
        }
        guard failures.backOff.allowsTry else {
            let remaining = failures.backOff.remaining.components
            let milliseconds = remaining.seconds * 1_000 + remaining.attoseconds / 1_000_000_000_000_000
            throw .unavailable(
                "not tried: MongoDB failed recently (\(failures.last)); trying again in \(milliseconds) ms")
        }
        let text: String
        do {
            text = try waitedOn ? pool.read(command.json) : pool.command(command.json)
            failures.backOff.succeeded()
        } catch {
            if error.kind == .unreachable || error.kind == .network {
                failures.backOff.failed()
                failures.last = error.message
            }
            throw Self.translate(error)
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(utf8Of: text))
        } catch {
            throw .unavailable("reply is not readable JSON")
        }
    }

    private static func translate(_ error: MongoError) -> DirectoryError {
        switch error.kind {
        case .unreachable: .unavailable("MongoDB is unreachable: \(error.message)")
        case .network: .unavailable("MongoDB connection failed: \(error.message)")
        case .authentication: .unavailable("MongoDB refused the credentials")
        default: .unavailable(error.description)
        }
    }

    /// A company from a document as libmongoc's relaxed Extended JSON gives it.
    @_spi(Fuzzing) public static func decodeCompany(_ document: JSONValue) throws(DirectoryError) -> Company {
        do {
            let data = try JSONEncoder().encode(document)
            return try JSONDecoder().decode(Company.self, from: data)
        } catch {
            throw .unreadableDocument(nil, "\(error)")
        }
    }

    /// The spellings a number may be stored in: E.164, and for +1 numbers the old one.
    static func spellings(of number: PhoneNumber) -> [MongoValue] {
        [.string(number.e164)] + (number.legacyNorthAmericanSpelling.map { [.string($0)] } ?? [])
    }

    /// `$set` for every setting that has a value, `$unset` for those that do not, as
    /// ``CompanySettings`` declares them; fields Switchboard does not model are left as
    /// they are.
    static func changes(for company: Company) -> MongoDocument {
        var set: [(String, MongoValue)] = [("companyName", .string(company.name))]
        var unset: [(String, MongoValue)] = []
        for setting in CompanySettings.all {
            if let value = setting.stored(company.twilio) {
                set.append(("twilioConfig." + setting.name, value))
            } else {
                unset.append(("twilioConfig." + setting.name, ""))
            }
        }
        var changes: [(String, MongoValue)] = [("$set", .document(MongoDocument(set)))]
        if !unset.isEmpty { changes.append(("$unset", .document(MongoDocument(unset)))) }
        return MongoDocument(changes)
    }

    private static func conflictingNumber(_ error: JSONValue, _ company: Company) -> PhoneNumber {
        if case .object(let value)? = error["keyValue"],
            let text = value.values.compactMap({ value -> String? in
                if case .string(let text) = value { return text }
                return nil
            }).first, let number = try? PhoneNumber(parsing: text)
        {
            return number
        }
        return company.numberClaims.first?.number ?? (try! PhoneNumber(parsing: "+10000000"))
    }
}

/// A way to MongoDB's recent failures: the back-off before the next try (1 s, doubling
/// to 5 s), and what the last failure was.
private struct RecentFailures {
    var backOff = BackOff(first: .seconds(1), longest: .seconds(5))
    var last = ""
}
