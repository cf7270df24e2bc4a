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
}
