import MongoDriver
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The outbound ledger in MongoDB, through the directory's pool: `outboundRequests` (one
/// document per company and `Idempotency-Key`, `_id` `<companyId>/<key>`) and
/// `outboundSends` (one per company and minute, `_id` `<companyId>/<minute>`). TTL
/// indexes delete keys after 24 hours and counts after two minutes; a key MongoDB has not
/// yet deleted is treated as gone once it is older than the window.
public final class MongoOutboundLedger: OutboundLedger {
    public static let requests = "outboundRequests"
    public static let sends = "outboundSends"

    private let pool: MongoClientPool
    private let indexesEnsured = Mutex(false)

    /// The collections in the database `directory` uses, through its pool.
    public init(sharingPoolOf directory: MongoTenantDirectory) {
        pool = directory.pool
    }

    /// Creates the TTL indexes (idempotent).
    public func ensureIndexes() throws(OutboundLedgerError) {
        _ = try run([
            "createIndexes": .string(Self.requests),
            "indexes": .array([
                .document([
                    "key": .document(["createdAt": 1]), "name": "switchboard_outbound_requests_ttl",
                    "expireAfterSeconds": .int(IdempotencyWindow.seconds),
                ])
            ]),
        ])
        _ = try run([
            "createIndexes": .string(Self.sends),
            "indexes": .array([
                .document([
                    "key": .document(["expiresAt": 1]), "name": "switchboard_outbound_sends_ttl",
                    "expireAfterSeconds": 0,
                ])
            ]),
        ])
        indexesEnsured.withLock { $0 = true }
    }

    private func ensureIndexesOnce() {
        if !indexesEnsured.withLock({ $0 }) { try? ensureIndexes() }
    }

    public func claim(companyID: CompanyID, key: String, requestHash: String, now: Date) throws(OutboundLedgerError)
        -> IdempotencyClaim
    {
        ensureIndexesOnce()
        let id = MongoValue.string(companyID.rawValue + "/" + key)
        let fresh: MongoDocument = [
            "_id": id, "companyId": .string(companyID.rawValue), "key": .string(key),
            "requestHash": .string(requestHash),
            "createdAt": .date(Timestamp.format(now)),
        ]
        for _ in 0..<2 {
            let inserted = try run(["insert": .string(Self.requests), "documents": .array([.document(fresh)])])
            guard MongoReply.writeErrorCode(inserted) == "11000" else {
                if let code = MongoReply.writeErrorCode(inserted) {
                    throw OutboundLedgerError("\(Self.requests) refused the key (code \(code))")
                }
                return .claimed
            }
            let found = try run([
                "find": .string(Self.requests), "filter": .document(["_id": id]), "limit": 1, "singleBatch": true,
            ])
            guard case .object(let cursor)? = found["cursor"], case .array(let batch)? = cursor["firstBatch"],
                let stored = batch.first
            else {
                continue  // deleted meanwhile (expired, or released): try the insert again
            }
            let createdAt = MongoReply.date(stored["createdAt"])
            if let createdAt, now.timeIntervalSince(createdAt) >= Double(IdempotencyWindow.seconds) {
                // Expired, not yet deleted by MongoDB: take it over, unless another request just did.
                let replaced = try run([
                    "update": .string(Self.requests),
                    "updates": .array([
                        .document([
                            "q": .document(["_id": id, "createdAt": .date(Timestamp.format(createdAt))]),
                            "u": .document(fresh),
                        ])
                    ]),
                ])
                if case .number(let count)? = replaced["n"], count != "0" { return .claimed }
                continue
            }
            func text(_ key: String) -> String? {
                switch stored[key] {
                case .string(let value)?: value
                case .number(let value)?: value
                default: nil
                }
            }
            return SQLiteOutboundLedger.claim(
                hash: text("requestHash"), status: text("status"), body: text("body"),
                createdAt: createdAt.map(Timestamp.format),
                requestHash: requestHash)
        }
        throw OutboundLedgerError("the key \(key.prefix(64)) changed hands twice while it was claimed; try again")
    }

    public func settle(companyID: CompanyID, key: String, answer: OutboundAnswer) throws(OutboundLedgerError) {
        _ = try run([
            "update": .string(Self.requests),
            "updates": .array([
                .document([
                    "q": .document(["_id": .string(companyID.rawValue + "/" + key)]),
                    "u": .document(["$set": .document(["status": .int(answer.status), "body": .string(answer.body)])]),
                ])
            ]),
        ])
    }

    public func release(companyID: CompanyID, key: String) throws(OutboundLedgerError) {
        _ = try run([
            "delete": .string(Self.requests),
            "deletes": .array([
                .document([
                    "q": .document([
                        "_id": .string(companyID.rawValue + "/" + key), "status": .document(["$exists": false]),
                    ]), "limit": 1,
                ])
            ]),
        ])
    }

    public func countSend(companyID: CompanyID, minute: Int) throws(OutboundLedgerError) -> Int {
        ensureIndexesOnce()
        let expires = Date(timeIntervalSince1970: Double((minute + 2) * 60))
        let command: MongoDocument = [
            "findAndModify": .string(Self.sends),
            "query": .document(["_id": .string("\(companyID.rawValue)/\(minute)")]),
            "update": .document([
                "$inc": .document(["count": 1]),
                "$setOnInsert": .document([
                    "companyId": .string(companyID.rawValue), "minute": .int(minute),
                    "expiresAt": .date(Timestamp.format(expires)),
                ]),
            ]),
            "upsert": true, "new": true,
        ]
        // Two first sends of a minute can race on the upsert; the loser counts again.
        for _ in 0..<2 {
            let reply: JSONValue
            do { reply = try run(command) } catch
                where error.message.contains("E11000") || error.message.contains("11000")
            { continue }
            if case .number(let count)? = reply["value"]?["count"],
                let value = Int(count) ?? Double(count).map({ Int($0) })
            {
                return value
            }
            throw OutboundLedgerError("findAndModify answered without the count")
        }
        throw OutboundLedgerError("the minute's count could not be written")
    }

    private func run(_ command: MongoDocument) throws(OutboundLedgerError) -> JSONValue {
        do { return try MongoReply.run(command, on: pool) } catch { throw OutboundLedgerError(error.description) }
    }
}
