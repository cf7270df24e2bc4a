import SwitchboardJSON

/// A MongoDB value, written as Extended JSON for the MongoDB driver's commands.
///
/// Only what the directory's commands need; every string is escaped, so a company's
/// text can never change a command's shape.
indirect enum MongoValue: Sendable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case objectID(String)
    case date(String)
    case array([MongoValue])
    case document(MongoDocument)
    /// A JSON object or array Switchboard encoded itself (a stored health record),
    /// written as it is.
    case json(String)

    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int) { self = .int(value) }

    /// The value of a company id: an ObjectId when it looks like one, else the string.
    static func id(_ id: CompanyID) -> MongoValue {
        id.isObjectID ? .objectID(id.rawValue.lowercased()) : .string(id.rawValue)
    }

    func write(into output: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, into: &output)
        case .int(let number): output += String(number)
        case .bool(let flag): output += flag ? "true" : "false"
        case .null: output += "null"
        case .objectID(let hex):
            output += "{\"$oid\":"
            Self.writeString(hex, into: &output)
            output += "}"
        case .date(let text):
            // ISO 8601, or milliseconds since 1970 (a canonical `$date` read as text).
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                output += "{\"$date\":{\"$numberLong\":\"" + text + "\"}}"
            } else {
                output += "{\"$date\":"
                Self.writeString(text, into: &output)
                output += "}"
            }
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(into: &output)
            }
            output += "]"
        case .document(let document):
            document.write(into: &output)
        case .json(let text):
            output += text
        }
    }

    static func writeString(_ text: String, into output: inout String) {
        JSONText.appendString(text, to: &output)
    }
}

/// An ordered MongoDB document (command documents are order-sensitive: the command name
/// comes first).
struct MongoDocument: Sendable, ExpressibleByDictionaryLiteral {
    var fields: [(String, MongoValue)]

    init(_ fields: [(String, MongoValue)]) { self.fields = fields }
    init(dictionaryLiteral elements: (String, MongoValue)...) { fields = elements }

    func write(into output: inout String) {
        output += "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { output += "," }
            MongoValue.writeString(key, into: &output)
            output += ":"
            value.write(into: &output)
        }
        output += "}"
    }

    /// The document as Extended JSON text.
    var json: String {
        var output = ""
        write(into: &output)
        return output
    }
}
