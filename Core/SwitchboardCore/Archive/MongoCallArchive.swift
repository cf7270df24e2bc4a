import MongoDriver
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The archive in MongoDB: the `callArchive` collection beside `v2companies`, through
/// the directory's own client pool (libmongoc's pool is thread-safe, so the recorder's
/// thread may use it while the function's thread looks up tenants).
///
/// Indexes: `sid` unique (what makes writes idempotent, even when two retries race),
/// and `companyId` + `at` for a company's newest records. With a retention period, a TTL
/// index on `at` lets MongoDB delete old records itself.
public final class MongoCallArchive: CallArchive {
    /// The collection's name.
    public static let collection = "callArchive"

    private let pool: MongoClientPool
    private let retentionSeconds: Int?
    private let indexesEnsured = Mutex(false)

    public let writesOverNetwork = true

    /// The archive in the database `directory` uses, through its pool.
    ///
    /// - Parameter retentionDays: when set, a TTL index deletes records older than this.
    public init(sharingPoolOf directory: MongoTenantDirectory, retentionDays: Int? = nil) {
        pool = directory.pool
        retentionSeconds = retentionDays.map { $0 * 86_400 }
    }

    /// Creates the indexes (idempotent).
    public func ensureIndexes() throws(ArchiveError) {
        var indexes: [MongoValue] = [
            .document(["key": .document(["sid": 1]), "name": "switchboard_archive_sid_unique", "unique": true]),
            .document(["key": .document(["companyId": 1, "at": -1]), "name": "switchboard_archive_company_time"]),
            .document([
                "key": .document(["companyId": 1, "kind": 1, "at": -1, "sid": -1]),
                "name": "switchboard_archive_company_kind_time",
            ]),
        ]
        if let retentionSeconds {
            indexes.append(
                .document([
                    "key": .document(["at": 1]), "name": "switchboard_archive_ttl",
                    "expireAfterSeconds": .int(retentionSeconds),
                ]))
        }
        _ = try run(["createIndexes": .string(Self.collection), "indexes": .array(indexes)])
        indexesEnsured.withLock { $0 = true }
    }

    public func record(_ record: ArchiveRecord) throws(ArchiveError) {
        try write(record, merging: true)
    }

    public func recordArrival(_ record: ArchiveRecord) throws(ArchiveError) {
        try write(record, merging: false)
    }

    /// Inserts `record` when its sid is new; `merging`, applies ``ArchiveRecord/merging(_:)``
    /// to the stored one as updates that need no read.
    private func write(_ record: ArchiveRecord, merging: Bool) throws(ArchiveError) {
        if !indexesEnsured.withLock({ $0 }) { try? ensureIndexes() }
        // Insert when absent; a repeat changes nothing.
        let reply = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["sid": .string(record.sid)]),
                    "u": .document(["$setOnInsert": .document(Self.document(record))]), "upsert": true,
                ])
            ]),
        ])
        let inserted: Bool
        if case .array(let upserted)? = reply["upserted"], !upserted.isEmpty {
            inserted = true
        } else if MongoReply.writeErrorCode(reply) == "11000" {
            inserted = false  // two writers raced on one sid and the unique index kept one
        } else if let error = MongoReply.writeErrorCode(reply) {
            throw ArchiveError("callArchive refused the record (code \(error))")
        } else {
            inserted = false
        }
        // ArchiveRecord.merging's rule, as updates that need no read: each detail goes
        // into the record where it lacks it, on its own (a repeat changes nothing); the
        // outcome replaces the stored one only while that is earlier in Twilio's order,
        // so a late or repeated callback changes nothing, even when two race.
        guard merging && !inserted else { return }
        let details = Self.detailFields(record)
        if !details.isEmpty {
            _ = try run([
                "update": .string(Self.collection), "ordered": false,
                "updates": .array(
                    details.map { name, value in
                        .document([
                            "q": .document(["sid": .string(record.sid), name: .document(["$exists": false])]),
                            "u": .document(["$set": .document([name: value])]),
                        ])
                    }),
            ])
        }
        if let order = record.statusOrder {
            _ = try run([
                "update": .string(Self.collection),
                "updates": .array([
                    .document([
                        "q": .document([
                            "sid": .string(record.sid),
                            "$or": .array([
                                .document(["statusOrder": .document(["$lt": .int(order)])]),
                                .document(["statusOrder": .document(["$exists": false])]),
                            ]),
                        ]),
                        "u": .document(["$set": .document(MongoDocument(Self.outcomeFields(record)))]),
                    ])
                ]),
            ])
        }
    }

    public func records(companyID: CompanyID, since: Date?, kind: ArchiveRecord.Kind?, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        var filter: MongoDocument = ["companyId": .string(companyID.rawValue)]
        if let since { filter.fields.append(("at", .document(["$gte": .date(Timestamp.format(since))]))) }
        if let kind { filter.fields.append(("kind", .string(kind.rawValue))) }
        let reply = try run([
            "find": .string(Self.collection), "filter": .document(filter), "sort": .document(["at": -1, "sid": -1]),
            "limit": .int(max(1, limit)), "singleBatch": true,
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            throw ArchiveError("find answered without a cursor")
        }
        return batch.compactMap(Self.record(from:))
    }

    public func record(sid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord? {
        let reply = try run([
            "find": .string(Self.collection),
            "filter": .document(["sid": .string(sid), "companyId": .string(companyID.rawValue)]), "limit": 1,
            "singleBatch": true,
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            throw ArchiveError("find answered without a cursor")
        }
        return batch.first.flatMap(Self.record(from:))
    }

    public func record(recordingSid: String, companyID: CompanyID) throws(ArchiveError) -> ArchiveRecord? {
        try find(["companyId": .string(companyID.rawValue), "recordingSid": .string(recordingSid)], limit: 1).first
    }

    public func recordingsToDelete(companyID: CompanyID, before: Date, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        try find(
            [
                "companyId": .string(companyID.rawValue), "kind": "call",
                "at": .document(["$lt": .date(Timestamp.format(before))]),
                "recordingSid": .document(["$type": "string"]), "recordingDeletedAt": .document(["$exists": false]),
            ], sort: ["at": 1], limit: limit)
    }

    private func find(_ filter: MongoDocument, sort: MongoDocument? = nil, limit: Int) throws(ArchiveError)
        -> [ArchiveRecord]
    {
        guard limit > 0 else { return [] }
        var command: MongoDocument = ["find": .string(Self.collection), "filter": .document(filter)]
        if let sort { command.fields.append(("sort", .document(sort))) }
        command.fields.append(("limit", .int(limit)))
        command.fields.append(("singleBatch", true))
        let reply = try run(command)
        guard let batch = MongoReply.firstBatch(reply) else {
            throw ArchiveError("find answered without a cursor")
        }
        return batch.compactMap(Self.record(from:))
    }

    public func page(
        companyID: CompanyID, kind: ArchiveRecord.Kind, before: ArchiveRecord.Position?, status: String?, limit: Int
    ) throws(ArchiveError) -> [ArchiveRecord] {
        var filter: MongoDocument = ["companyId": .string(companyID.rawValue), "kind": .string(kind.rawValue)]
        if let status { filter.fields.append(("status", .string(status))) }
        if let before {
            filter.fields.append(
                (
                    "$or",
                    .array([
                        .document(["at": .document(["$lt": .date(before.at)])]),
                        .document(["at": .date(before.at), "sid": .document(["$lt": .string(before.sid)])]),
                    ])
                ))
        }
        let reply = try run([
            "find": .string(Self.collection), "filter": .document(filter), "sort": .document(["at": -1, "sid": -1]),
            "limit": .int(max(1, limit)), "singleBatch": true,
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            throw ArchiveError("find answered without a cursor")
        }
        return batch.compactMap(Self.record(from:))
    }

    public func prune(before: Date) throws(ArchiveError) -> Int {
        let reply = try run([
            "delete": .string(Self.collection),
            "deletes": .array([
                .document(["q": .document(["at": .document(["$lt": .date(Timestamp.format(before))])]), "limit": 0])
            ]),
        ])
        guard case .number(let count)? = reply["n"] else { return 0 }
        return Int(count) ?? 0
    }

    // MARK: Documents

    static func document(_ record: ArchiveRecord) -> MongoDocument {
        let identity: [(String, MongoValue)] = [
            ("sid", .string(record.sid)), ("kind", .string(record.kind.rawValue)),
            ("companyId", .string(record.companyId)),
            ("direction", .string(record.direction)), ("at", .date(record.at)),
        ]
        return MongoDocument(identity + detailFields(record) + outcomeFields(record))
    }

    /// The record's details (``ArchiveRecord/detailFields``) it has.
    static func detailFields(_ record: ArchiveRecord) -> [(String, MongoValue)] {
        ArchiveRecord.detailFields.compactMap { field in field.stored(record).map { (field.name, $0) } }
    }

    /// How the call or message ended, as far as the record knows: its status, its place
    /// in Twilio's order, and ``ArchiveRecord/outcomeFields``.
    static func outcomeFields(_ record: ArchiveRecord) -> [(String, MongoValue)] {
        var fields: [(String, MongoValue)] = []
        if let value = record.status { fields.append(("status", .string(value))) }
        if let value = record.statusOrder { fields.append(("statusOrder", .int(value))) }
        return fields
            + ArchiveRecord.outcomeFields.compactMap { field in field.stored(record).map { (field.name, $0) } }
    }

    static func record(from document: JSONValue) -> ArchiveRecord? {
        func text(_ key: String) -> String? {
            if case .string(let value)? = document[key] { return value }
            return nil
        }
        func date(_ key: String) -> String? {
            switch document[key] {
            case .object(let date)?:
                if case .string(let iso)? = date["$date"] { return iso }
                if case .object(let long)? = date["$date"], case .string(let milliseconds)? = long["$numberLong"] {
                    return milliseconds
                }
                return nil
            case .string(let iso)?: return iso
            default: return nil
            }
        }
        func integer(_ key: String) -> Int? {
            if case .number(let text)? = document[key] { return Int(text) ?? Double(text).map { Int($0) } }
            return nil
        }
        guard let sid = text("sid"), let kind = text("kind").flatMap(ArchiveRecord.Kind.init(rawValue:)),
            let company = text("companyId"),
            let when = date("at").flatMap(Timestamp.parse)
        else { return nil }
        var record = ArchiveRecord(
            sid: sid, kind: kind, companyId: company, direction: text("direction") ?? "inbound",
            at: Timestamp.format(when))
        record.accountSid = text("accountSid")
        record.from = text("from")
        record.to = text("to")
        record.decision = text("decision")
        record.body = text("body")
        if case .array(let media)? = document["mediaUrls"] {
            record.mediaUrls = media.compactMap { if case .string(let url) = $0 { return url } else { return nil } }
        }
        record.keyword = text("keyword")
        record.recordingSid = text("recordingSid")
        record.recordingUrl = text("recordingUrl")
        record.recordingDuration = text("recordingDuration")
        record.recordingDurationSeconds = integer("recordingDurationSeconds")
        record.recordingStatus = text("recordingStatus")
        record.transcript = text("transcript")
        record.transcriptStatus = text("transcriptStatus")
        record.recordingDeletedAt = date("recordingDeletedAt").flatMap(Timestamp.parse).map(Timestamp.format)
        record.dialStatus = text("dialStatus")
        record.dialDurationSeconds = integer("dialDurationSeconds")
        record.forwardFallback = text("forwardFallback")
        record.acceptedBy = text("acceptedBy")
        record.screening = text("screening")
        record.channel = text("channel")
        record.contentSid = text("contentSid")
        record.messagingServiceSid = text("messagingServiceSid")
        record.status = text("status")
        record.statusOrder = integer("statusOrder")
        if case .bool(let answered)? = document["answered"] { record.answered = answered }
        record.durationSeconds = integer("durationSeconds")
        record.endedAt = date("endedAt").flatMap(Timestamp.parse).map(Timestamp.format)
        record.errorCode = text("errorCode")
        record.errorMessage = text("errorMessage")
        return record
    }

    private func run(_ command: MongoDocument) throws(ArchiveError) -> JSONValue {
        do { return try MongoReply.run(command, on: pool) } catch { throw ArchiveError(error.description) }
    }
}
