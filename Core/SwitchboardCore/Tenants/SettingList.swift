import SwitchboardJSON

/// A setting holding a list of short texts: the numbers and addresses a company's
/// notifications go to, the events it is told of. Stored and shown as a JSON array of
/// strings.
public struct SettingList: Codable, Sendable, Equatable, ExpressibleByArrayLiteral {
    public var items: [String]

    public init(_ items: [String]) {
        self.items = items
    }

    public init(arrayLiteral items: String...) {
        self.items = items
    }

    public init(from decoder: any Decoder) throws {
        items = try decoder.singleValueContainer().decode([String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(items)
    }

    /// True when it holds `item`.
    public func contains(_ item: String) -> Bool { items.contains(item) }
}

extension SettingList: SettingValue {
    static var absent: SettingList { [] }

    /// The most entries a list takes.
    static let maximumCount = 10

    static func reading(_ json: JSONValue) -> Result<SettingList, SettingInputError> {
        guard case .array(let values) = json else { return .failure(.type("a list of strings", json)) }
        var items: [String] = []
        for value in values {
            guard case .string(let text) = value else { return .failure(.type("a list of strings", value)) }
            items.append(text)
        }
        return .success(SettingList(items))
    }

    var shownValue: JSONValue { .array(items.map(JSONValue.string)) }
    var storedValue: MongoValue? { .array(items.map(MongoValue.string)) }
}
