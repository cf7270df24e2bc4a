import MongoDriver
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The recipient ledger in MongoDB, through the directory's pool: a `recipients`
/// collection, one document per company and number (`_id` `<companyId>/<number>`), and an
/// index on `companyId`, `optedOut`, `number` for the listing and its count.
///
/// An opt-out or opt-in is one conditional upsert: its filter matches only a document
/// whose change is older, so a stale change either matches nothing and collides with the
/// stored `_id` (a duplicate-key error, read as "a later change is stored") or finds
/// nothing to update.
public final class MongoRecipientLedger: RecipientLedger {
    public static let collection = "recipients"

    private let pool: MongoClientPool
    private let indexesEnsured = Mutex(false)

    /// The collection in the database `directory` uses, through its pool.
    public init(sharingPoolOf directory: MongoTenantDirectory) {
        pool = directory.pool
    }

    /// Creates the listing's index (idempotent).
    public func ensureIndexes() throws(RecipientLedgerError) {
        _ = try run([
            "createIndexes": .string(Self.collection),
            "indexes": .array([
                .document([
                    "key": .document(["companyId": 1, "optedOut": 1, "number": 1]),
                    "name": "switchboard_recipients_opted_out",
                ])
            ]),
        ])
        indexesEnsured.withLock { $0 = true }
    }

    private func ensureIndexesOnce() {
        if !indexesEnsured.withLock({ $0 }) { try? ensureIndexes() }
    }

    private static func id(_ companyID: CompanyID, _ number: PhoneNumber) -> MongoValue {
        .string(companyID.rawValue + "/" + number.e164)
    }

    @discardableResult
    public func record(_ change: OptChange) throws(RecipientLedgerError) -> Bool {
        ensureIndexesOnce()
        let at = MongoValue.date(Timestamp.format(change.at))
        var older: [MongoValue] = [
            .document(["changedAt": .document(["$exists": false])]),
            .document(["changedAt": .document(["$lt": at])]),
        ]
        if change.optedOut { older.append(.document(["changedAt": at, "optedOut": false])) }
        var fields: MongoDocument = [
            "optedOut": .bool(change.optedOut), "changedAt": at, "source": .string(change.source),
        ]
        fields.fields.append(("messageSid", change.messageSid.map { .string($0) } ?? .null))
        let reply = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["_id": Self.id(change.companyID, change.number), "$or": .array(older)]),
                    "u": .document([
                        "$set": .document(fields),
                        "$setOnInsert": .document([
                            "companyId": .string(change.companyID.rawValue), "number": .string(change.number.e164),
                        ]),
                    ]),
                    "upsert": true,
                ])
            ]),
        ])
        switch MongoReply.writeErrorCode(reply) {
        case nil:
            if case .number(let count)? = reply["n"] { return count != "0" }
            return false
        case "11000"?:
            return false  // a later change is stored
        case let code?:
            throw RecipientLedgerError("\(Self.collection) refused the change (code \(code))")
        }
    }

    public func recipient(companyID: CompanyID, number: PhoneNumber) throws(RecipientLedgerError) -> Recipient? {
        try find(["_id": Self.id(companyID, number)], limit: 1).first
    }

    public func optOuts(companyID: CompanyID, after: PhoneNumber?, limit: Int) throws(RecipientLedgerError)
        -> [Recipient]
    {
        guard limit > 0 else { return [] }
        ensureIndexesOnce()
        var filter: MongoDocument = ["companyId": .string(companyID.rawValue), "optedOut": true]
        if let after { filter.fields.append(("number", .document(["$gt": .string(after.e164)]))) }
        return try find(filter, sort: ["number": 1], limit: limit)
    }

    public func optOutCount(companyID: CompanyID) throws(RecipientLedgerError) -> Int {
        let reply = try run([
            "count": .string(Self.collection),
            "query": .document(["companyId": .string(companyID.rawValue), "optedOut": true]),
        ])
        guard case .number(let text)? = reply["n"], let count = Int(text) ?? Double(text).map({ Int($0) }) else {
            throw RecipientLedgerError("count answered without a number")
        }
        return count
    }

    public func recordWhatsAppInbound(companyID: CompanyID, number: PhoneNumber, at: Date)
        throws(RecipientLedgerError)
    {
        let reply = try run([
            "update": .string(Self.collection),
            "updates": .array([
                .document([
                    "q": .document(["_id": Self.id(companyID, number)]),
                    "u": .document([
                        "$max": .document(["lastWhatsAppAt": .date(Timestamp.format(at))]),
                        "$setOnInsert": .document([
                            "companyId": .string(companyID.rawValue), "number": .string(number.e164),
                            "optedOut": false,
                        ]),
                    ]),
                    "upsert": true,
                ])
            ]),
        ])
        if let code = MongoReply.writeErrorCode(reply), code != "11000" {
            throw RecipientLedgerError("\(Self.collection) refused the WhatsApp time (code \(code))")
        }
    }

    private func find(_ filter: MongoDocument, sort: MongoDocument? = nil, limit: Int) throws(RecipientLedgerError)
        -> [Recipient]
    {
        var command: MongoDocument = ["find": .string(Self.collection), "filter": .document(filter)]
        if let sort { command.fields.append(("sort", .document(sort))) }
        command.fields.append(("limit", .int(limit)))
        command.fields.append(("singleBatch", true))
        let reply = try run(command)
        guard let batch = MongoReply.firstBatch(reply) else {
            throw RecipientLedgerError("find answered without a cursor")
        }
        return batch.compactMap(Self.recipient(from:))
    }

    static func recipient(from document: JSONValue) -> Recipient? {
        guard case .string(let text)? = document["number"], let number = try? PhoneNumber(parsing: text) else {
            return nil
        }
        var source: String?
        if case .string(let value)? = document["source"] { source = value }
        return Recipient(
            number: number, optedOut: document["optedOut"] == .bool(true),
            changedAt: MongoReply.date(document["changedAt"]), source: source,
            lastWhatsAppInbound: MongoReply.date(document["lastWhatsAppAt"]))
    }

    private func run(_ command: MongoDocument) throws(RecipientLedgerError) -> JSONValue {
        do { return try MongoReply.run(command, on: pool) } catch { throw RecipientLedgerError(error.description) }
    }
}
