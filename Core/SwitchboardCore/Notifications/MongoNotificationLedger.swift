import MongoDriver
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The notification ledger in MongoDB, through the directory's pool: a `notifications`
/// collection, one document per company and call (`_id` `<companyId>/<callSid>`), with
/// an index on `dueAt` (only entries that have one) and a TTL index deleting entries
/// ``NotificationLedgerRetention/days`` after they were made.
///
/// Each step is one conditional write, so two senders racing for an entry never both
/// win: a claim is a `findAndModify` that matches only while the entry is due.
public final class MongoNotificationLedger: NotificationLedger {
    public static let collection = "notifications"

    private let pool: MongoClientPool
    private let indexesEnsured = Mutex(false)

    /// The collection in the database `directory` uses, through its pool.
    public init(sharingPoolOf directory: MongoTenantDirectory) {
        pool = directory.pool
    }

    /// Creates the due and TTL indexes (idempotent).
    public func ensureIndexes() throws(NotificationLedgerError) {
        _ = try run([
            "createIndexes": .string(Self.collection),
            "indexes": .array([
                .document([
                    "key": .document(["dueAt": 1]), "name": "switchboard_notifications_due",
                    "partialFilterExpression": .document(["dueAt": .document(["$exists": true])]),
                ]),
                .document([
                    "key": .document(["createdAt": 1]), "name": "switchboard_notifications_ttl",
                    "expireAfterSeconds": .int(NotificationLedgerRetention.days * 86_400),
                ]),
            ]),
        ])
        indexesEnsured.withLock { $0 = true }
    }

    public func schedule(_ call: NotificationKey, dueAt: Date, now: Date) throws(NotificationLedgerError) {
        if !indexesEnsured.withLock({ $0 }) { try? ensureIndexes() }
        let id = MongoValue.string(call.description)
        let due = MongoValue.date(Timestamp.format(dueAt))
        // Made when absent; two made at once meet the unique _id, and one stays.
        let inserted = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["_id": id]),
                    "u": .document([
                        "$setOnInsert": .document([
                            "companyId": .string(call.companyID.rawValue), "callSid": .string(call.callSid),
                            "state": .string(NotificationState.pending.rawValue), "failures": 0, "dueAt": due,
                            "createdAt": .date(Timestamp.format(now)),
                        ])
                    ]),
                    "upsert": true,
                ])
            ]),
        ])
        if let code = MongoReply.writeErrorCode(inserted), code != "11000" {
            throw NotificationLedgerError("\(Self.collection) refused the entry (code \(code))")
        }
        // A pending entry due later is brought forward.
        _ = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document([
                        "_id": id, "state": .string(NotificationState.pending.rawValue),
                        "dueAt": .document(["$gt": due]),
                    ]),
                    "u": .document(["$set": .document(["dueAt": due])]),
                ])
            ]),
        ])
    }

    public func claim(_ call: NotificationKey, now: Date, leaseSeconds: Int) throws(NotificationLedgerError)
        -> NotificationEntry?
    {
        let reply = try run([
            "findAndModify": .string(Self.collection),
            "query": .document([
                "_id": .string(call.description), "dueAt": .document(["$lte": .date(Timestamp.format(now))]),
            ]),
            "update": .document([
                "$set": .document([
                    "state": .string(NotificationState.sending.rawValue),
                    "dueAt": .date(Timestamp.format(now.addingTimeInterval(Double(leaseSeconds)))),
                ])
            ]),
            "new": true,
        ])
        return reply["value"].flatMap(Self.entry)
    }

    public func finish(_ call: NotificationKey, _ outcome: NotificationOutcome, now: Date)
        throws(NotificationLedgerError)
    {
        var set: MongoDocument
        var unset: MongoDocument = [:]
        var increment: MongoDocument = [:]
        switch outcome {
        case .sent:
            set = ["state": .string(NotificationState.sent.rawValue), "sentAt": .date(Timestamp.format(now))]
            unset = ["dueAt": "", "lastError": ""]
        case .skipped:
            set = ["state": .string(NotificationState.skipped.rawValue)]
            unset = ["dueAt": ""]
        case .failed(let why, let retryAt, let delivered):
            set = [
                "state": .string((retryAt == nil ? NotificationState.abandoned : .failed).rawValue),
                "lastError": .string(why.clipped(to: 500)),
            ]
            if !delivered.isEmpty { set.fields.append(("delivered", .array(delivered.map(MongoValue.string)))) }
            if let retryAt {
                set.fields.append(("dueAt", .date(Timestamp.format(retryAt))))
            } else {
                unset = ["dueAt": ""]
            }
            increment = ["failures": 1]
        }
        var update: MongoDocument = ["$set": .document(set)]
        if !unset.fields.isEmpty { update.fields.append(("$unset", .document(unset))) }
        if !increment.fields.isEmpty { update.fields.append(("$inc", .document(increment))) }
        _ = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document([
                        "_id": .string(call.description), "state": .string(NotificationState.sending.rawValue),
                    ]),
                    "u": .document(update),
                ])
            ]),
        ])
    }

    public func due(now: Date, limit: Int) throws(NotificationLedgerError) -> [NotificationEntry] {
        let reply = try run([
            "find": .string(Self.collection),
            "filter": .document(["dueAt": .document(["$lte": .date(Timestamp.format(now))])]),
            "sort": .document(["dueAt": 1]), "limit": .int(max(1, limit)), "singleBatch": true,
        ])
        guard limit > 0, case .object(let cursor)? = reply["cursor"], case .array(let batch)? = cursor["firstBatch"]
        else { return [] }
        return batch.compactMap(Self.entry)
    }

    public func entry(_ call: NotificationKey) throws(NotificationLedgerError) -> NotificationEntry? {
        let reply = try run([
            "find": .string(Self.collection), "filter": .document(["_id": .string(call.description)]), "limit": 1,
            "singleBatch": true,
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            return nil
        }
        return batch.first.flatMap(Self.entry)
    }

    public func entries(companyID: CompanyID, callSids: [String]) throws(NotificationLedgerError)
        -> [NotificationEntry]
    {
        guard !callSids.isEmpty else { return [] }
        let ids = callSids.map { MongoValue.string(NotificationKey(companyID: companyID, callSid: $0).description) }
        let reply = try run([
            "find": .string(Self.collection), "filter": .document(["_id": .document(["$in": .array(ids)])]),
            "limit": .int(ids.count), "singleBatch": true,
        ])
        guard let batch = MongoReply.firstBatch(reply) else {
            return []
        }
        return batch.compactMap(Self.entry)
    }

    private static func entry(_ document: JSONValue) -> NotificationEntry? {
        func text(_ key: String) -> String? {
            if case .string(let value)? = document[key] { return value }
            return nil
        }
        guard let company = text("companyId").flatMap({ try? CompanyID($0) }), let sid = text("callSid"),
            let state = text("state").flatMap(NotificationState.init(rawValue:))
        else { return nil }
        var failures = 0
        if case .number(let count)? = document["failures"] {
            failures = Int(count) ?? Double(count).map { Int($0) } ?? 0
        }
        var delivered: [String] = []
        if case .array(let values)? = document["delivered"] {
            delivered = values.compactMap { if case .string(let target) = $0 { target } else { nil } }
        }
        return NotificationEntry(
            key: NotificationKey(companyID: company, callSid: sid), state: state, failures: failures,
            dueAt: MongoReply.date(document["dueAt"]), lastError: text("lastError"),
            sentAt: MongoReply.date(document["sentAt"]),
            delivered: delivered)
    }

    private func run(_ command: MongoDocument) throws(NotificationLedgerError) -> JSONValue {
        do { return try MongoReply.run(command, on: pool) } catch { throw NotificationLedgerError(error.description) }
    }
}
