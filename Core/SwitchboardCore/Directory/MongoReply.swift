import MongoDriver
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the stores beside the directory read of MongoDB's replies, in one place.
enum MongoReply {
    /// A date as a reply gives it: relaxed Extended JSON (`{"$date": "…"}`), canonical
    /// (`{"$date": {"$numberLong": "…"}}`), milliseconds, or ISO 8601 text.
    static func date(_ value: JSONValue?) -> Date? {
        switch value {
        case .object(let date)?:
            if case .string(let iso)? = date["$date"] { return Timestamp.parse(iso) }
            if case .object(let long)? = date["$date"], case .string(let milliseconds)? = long["$numberLong"] {
                return Timestamp.parse(milliseconds)
            }
            if case .number(let milliseconds)? = date["$date"] { return Timestamp.parse(milliseconds) }
            return nil
        case .string(let iso)?: return Timestamp.parse(iso)
        default: return nil
        }
    }

    /// The code of a write command's first write error (`11000`: a duplicate key), `?`
    /// when it has none, or `nil` when the write had no error.
    static func writeErrorCode(_ reply: JSONValue) -> String? {
        guard case .array(let errors)? = reply["writeErrors"], let first = errors.first else { return nil }
        if case .number(let code)? = first["code"] { return code }
        return "?"
    }

    /// Runs `command` on the pool and reads its reply.
    ///
    /// - Throws: ``Failure``: MongoDB's error, or a reply that is not JSON, in words.
    static func run(_ command: MongoDocument, on pool: MongoClientPool) throws(Failure) -> JSONValue {
        let text: String
        do { text = try pool.command(command.json) } catch { throw Failure(description: error.description) }
        do { return try JSONDecoder().decode(JSONValue.self, from: Data(utf8Of: text)) } catch {
            throw Failure(description: "reply is not readable JSON")
        }
    }

    /// The documents of a `find` reply's first batch, or `nil` when it has no cursor.
    static func firstBatch(_ reply: JSONValue) -> [JSONValue]? {
        guard case .object(let cursor)? = reply["cursor"], case .array(let batch)? = cursor["firstBatch"] else {
            return nil
        }
        return batch
    }

    /// Why a command failed, in words (each store wraps it in its own error).
    struct Failure: Error {
        let description: String
    }
}
