/// Any JSON value, as decoded: MongoDB's replies (relaxed Extended JSON from the driver)
/// and the admin API's request bodies, where each member must be looked at before it is
/// trusted. Numbers keep their text (integers exactly).
public enum AnyJSON: Codable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> AnyJSON? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let integer = try? container.decode(Int64.self) {
            self = .number(String(integer))
        } else if let number = try? container.decode(Double.self) {
            self = .number(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([AnyJSON].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: AnyJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let text):
            if let integer = Int64(text) {
                try container.encode(integer)
            } else {
                try container.encode(Double(text) ?? 0)
            }
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }

    /// What kind of JSON value this is, for error messages: "a string", "null", …
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let text): text
        default: "\(self)"
        }
    }
}
