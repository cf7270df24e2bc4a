import MongoDriver
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Company health in MongoDB: the `companyHealth` collection beside `v2companies`,
/// through the directory's pool, one document per company keyed by its `_id`.
///
/// The fields the sweep and the listing query are top-level and indexed (`due`,
/// `dueAt`, `checkedAt`, `status`, `severity`, `companyId`, `configured`); the whole
/// record is kept under `result`. MongoDB has no foreign keys: the sweep removes the
/// health of a company it finds gone.
public final class MongoCompanyHealthStore: CompanyHealthStore {
    /// The collection's name.
    public static let collection = "companyHealth"

    static let indexes: [MongoDocument] = [
        ["key": .document(["due": -1, "checkedAt": 1, "companyId": 1]), "name": "switchboard_health_queue"],
        ["key": .document(["severity": -1, "companyId": 1]), "name": "switchboard_health_listing"],
        ["key": .document(["status": 1, "companyId": 1]), "name": "switchboard_health_by_status"],
        ["key": .document(["checkedAt": 1]), "name": "switchboard_health_by_check"],
        ["key": .document(["configured": 1]), "name": "switchboard_health_by_configured"],
    ]

    private let pool: MongoClientPool
    private let indexesEnsured = Mutex(false)
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The collection in the database `directory` uses, through its pool.
    public init(sharingPoolOf directory: MongoTenantDirectory) {
        pool = directory.pool
    }

    /// Creates the indexes (idempotent).
    public func ensureIndexes() throws(HealthStoreError) {
        _ = try run(["createIndexes": .string(Self.collection), "indexes": .array(Self.indexes.map { .document($0) })])
        indexesEnsured.withLock { $0 = true }
    }

    private func ensureIndexesOnce() {
        if !indexesEnsured.withLock({ $0 }) { try? ensureIndexes() }
    }

    public func markDue(_ company: Company, at time: Date) throws(HealthStoreError) {
        ensureIndexesOnce()
        let record = CompanyHealthRecord.unchecked(company)
        _ = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["_id": .id(company.id)]),
                    "u": .document([
                        "$set": .document([
                            "companyId": .string(company.id.rawValue), "companyName": .string(company.name),
                            "configured": .bool(record.configured),
                            "due": true, "dueAt": .date(Timestamp.format(time)),
                            "result.companyName": .string(company.name), "result.configured": .bool(record.configured),
                        ]),
                        "$setOnInsert": .document([
                            "checkedAt": .null, "status": .null, "severity": 0,
                            "result.companyId": .string(company.id.rawValue),
                        ]),
                    ]),
                    "upsert": true,
                ])
            ]),
        ])
    }

    public func enrolMissing(limit: Int, at time: Date) throws(HealthStoreError) -> Int {
        ensureIndexesOnce()
        guard limit > 0 else { return 0 }
        // Two counts from the collections' metadata tell when every company has a record
        // (the usual case: every save makes one), so the anti-join below runs only while
        // some are missing.
        let companies = try count([:], in: MongoTenantDirectory.collection)
        guard try count([:]) < companies else { return 0 }
        // The anti-join runs in the server: only the missing companies' ids, names and
        // whether they hold credentials come back.
        let reply = try run([
            "aggregate": .string(MongoTenantDirectory.collection),
            "pipeline": .array([
                .document([
                    "$lookup": .document([
                        "from": .string(Self.collection), "localField": "_id", "foreignField": "_id", "as": "health",
                    ])
                ]),
                .document(["$match": .document(["health": .document(["$size": 0])])]),
                .document(["$limit": .int(limit)]),
                .document([
                    "$project": .document(["companyName": 1, "twilioConfig.accountSid": 1, "twilioConfig.authToken": 1])
                ]),
            ]),
            "cursor": .document([:]),
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            throw HealthStoreError("aggregate answered without a cursor")
        }
        // One update command upserts every company of the page, each only if still missing.
        var updates: [MongoValue] = []
        for document in batch {
            guard let company = try? MongoTenantDirectory.decodeCompany(document) else { continue }
            let record = CompanyHealthRecord.unchecked(company)
            updates.append(
                .document([
                    "q": .document(["_id": .id(company.id)]),
                    "u": .document([
                        "$setOnInsert": .document(
                            MongoDocument(
                                Self.fields(of: record, encoded: try text(of: record)) + [
                                    ("due", true), ("dueAt", .date(Timestamp.format(time))),
                                ]))
                    ]),
                    "upsert": true,
                ]))
        }
        guard !updates.isEmpty else { return 0 }
        _ = try run(["update": .string(Self.collection), "updates": .array(updates), "ordered": false])
        return updates.count
    }

    private static func queueFilter(_ since: Date) -> MongoDocument {
        [
            "$or": .array([
                .document(["due": true]), .document(["checkedAt": .null]),
                .document(["checkedAt": .document(["$lt": .date(Timestamp.format(since))])]),
            ])
        ]
    }

    public func nextDue(notCheckedSince since: Date, limit: Int) throws(HealthStoreError) -> [CompanyID] {
        ensureIndexesOnce()
        let batch = try find(
            Self.queueFilter(since), sort: ["due": -1, "checkedAt": 1, "companyId": 1], limit: limit,
            projection: ["companyId": 1])
        return batch.compactMap { document in
            if case .string(let id)? = document["companyId"] { return try? CompanyID(id) }
            return nil
        }
    }

    public func countDue(notCheckedSince since: Date) throws(HealthStoreError) -> Int {
        try count(Self.queueFilter(since))
    }

    public func store(_ record: CompanyHealthRecord, checkStartedAt startedAt: Date) throws(HealthStoreError) {
        ensureIndexesOnce()
        var stored = record
        stored.due = false
        let id = try companyID(record.companyId)
        _ = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["_id": .id(id)]),
                    "u": .document([
                        "$set": .document(MongoDocument(Self.fields(of: stored, encoded: try text(of: stored)))),
                        "$setOnInsert": .document(["due": false, "dueAt": .null]),
                    ]),
                    "upsert": true,
                ])
            ]),
        ])
        // Still due only when it was marked due after this check began.
        _ = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document([
                        "_id": .id(id),
                        "$or": .array([
                            .document(["dueAt": .null]),
                            .document(["dueAt": .document(["$lte": .date(Timestamp.format(startedAt))])]),
                        ]),
                    ]),
                    "u": .document(["$set": .document(["due": false, "dueAt": .null])]),
                ])
            ]),
        ])
    }

    public func record(of id: CompanyID) throws(HealthStoreError) -> CompanyHealthRecord? {
        try find(["_id": .id(id)], sort: nil, limit: 1, projection: nil).first.flatMap(Self.decode)
    }

    public func records(of ids: [CompanyID]) throws(HealthStoreError) -> [CompanyID: CompanyHealthRecord] {
        guard !ids.isEmpty else { return [:] }
        let batch = try find(
            ["_id": .document(["$in": .array(ids.map(MongoValue.id))])], sort: nil, limit: ids.count, projection: nil)
        var found: [CompanyID: CompanyHealthRecord] = [:]
        for record in batch.compactMap(Self.decode) {
            if let id = try? CompanyID(record.companyId) { found[id] = record }
        }
        return found
    }

    public func remove(_ id: CompanyID) throws(HealthStoreError) {
        _ = try run([
            "delete": .string(Self.collection),
            "deletes": .array([.document(["q": .document(["_id": .id(id)]), "limit": 1])]),
        ])
    }

    public func page(status: HealthStatus?, after: CompanyHealthPage.Position?, limit: Int) throws(HealthStoreError)
        -> [CompanyHealthRecord]
    {
        ensureIndexesOnce()
        let batch: [JSONValue]
        if let status {
            var filter: MongoDocument = ["status": .string(status.rawValue)]
            if let after { filter.fields.append(("companyId", .document(["$gt": .string(after.companyId)]))) }
            batch = try find(filter, sort: ["companyId": 1], limit: limit, projection: nil)
        } else {
            var filter: MongoDocument = [:]
            if let after {
                filter = [
                    "$or": .array([
                        .document(["severity": .document(["$lt": .int(after.severity)])]),
                        .document([
                            "severity": .int(after.severity), "companyId": .document(["$gt": .string(after.companyId)]),
                        ]),
                    ])
                ]
            }
            batch = try find(filter, sort: ["severity": -1, "companyId": 1], limit: limit, projection: nil)
        }
        return batch.compactMap(Self.decode)
    }

    public func summary() throws(HealthStoreError) -> CompanyHealthSummary {
        ensureIndexesOnce()
        let companies = try count([:])
        let unchecked = try count(["checkedAt": .null])
        let oldest = try find(
            ["checkedAt": .document(["$ne": .null])], sort: ["checkedAt": 1], limit: 1,
            projection: ["result.checkedAt": 1]
        ).first
        var oldestText: String?
        if case .object(let result)? = oldest?["result"], case .string(let text)? = result["checkedAt"] {
            oldestText = text
        }
        return CompanyHealthSummary(
            companies: companies, configured: try count(["configured": true]), checked: companies - unchecked,
            neverChecked: unchecked,
            down: try count(["status": .string(HealthStatus.down.rawValue)]),
            degraded: try count(["status": .string(HealthStatus.degraded.rawValue)]),
            oldestCheckAt: oldestText)
    }

    // MARK: Documents

    /// The top-level fields of a record's document, and the record itself under `result`.
    static func fields(of record: CompanyHealthRecord, encoded: String) -> [(String, MongoValue)] {
        [
            ("companyId", .string(record.companyId)), ("companyName", .string(record.companyName)),
            ("configured", .bool(record.configured)),
            ("checkedAt", record.checkedAt.map(MongoValue.date) ?? .null),
            ("status", record.status.map { .string($0.rawValue) } ?? .null),
            ("severity", .int(record.severity)), ("result", .json(encoded)),
        ]
    }

    static func decode(_ document: JSONValue) -> CompanyHealthRecord? {
        guard let result = document["result"], let data = try? JSONEncoder().encode(result),
            var record = try? JSONDecoder().decode(CompanyHealthRecord.self, from: data)
        else { return nil }
        if case .bool(let due)? = document["due"] { record.due = due }
        return record
    }

    private func text(of record: CompanyHealthRecord) throws(HealthStoreError) -> String {
        do { return String(decoding: try encoder.encode(record), as: UTF8.self) } catch {
            throw HealthStoreError("the record of \(record.companyId) cannot be encoded: \(error)")
        }
    }

    private func companyID(_ text: String) throws(HealthStoreError) -> CompanyID {
        do { return try CompanyID(text) } catch { throw HealthStoreError("\"\(text.prefix(64))\" is not a company id") }
    }

    // MARK: Commands

    private func find(_ filter: MongoDocument, sort: MongoDocument?, limit: Int, projection: MongoDocument?)
        throws(HealthStoreError) -> [JSONValue]
    {
        var command: MongoDocument = ["find": .string(Self.collection), "filter": .document(filter)]
        if let sort { command.fields.append(("sort", .document(sort))) }
        if let projection { command.fields.append(("projection", .document(projection))) }
        command.fields.append(("limit", .int(max(1, limit))))
        command.fields.append(("singleBatch", true))
        let reply = try run(command)
        guard let batch = MongoReply.firstBatch(reply) else {
            throw HealthStoreError("find answered without a cursor")
        }
        return limit > 0 ? batch : []
    }

    private func count(_ filter: MongoDocument, in collection: String = MongoCompanyHealthStore.collection)
        throws(HealthStoreError) -> Int
    {
        var command: MongoDocument = ["count": .string(collection)]
        if !filter.fields.isEmpty { command.fields.append(("query", .document(filter))) }
        let reply = try run(command)
        guard case .number(let n)? = reply["n"] else { return 0 }
        return Int(Double(n) ?? 0)
    }

    private func run(_ command: MongoDocument) throws(HealthStoreError) -> JSONValue {
        let reply: JSONValue
        do { reply = try MongoReply.run(command, on: pool) } catch { throw HealthStoreError(error.description) }
        if case .array(let errors)? = reply["writeErrors"], let first = errors.first {
            throw HealthStoreError(
                "companyHealth refused the write (\(first["errmsg"].map { "\($0)" }?.prefix(200) ?? "write error"))")
        }
        return reply
    }
}
