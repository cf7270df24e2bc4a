/// A value written back as JSON text, and described for people.
extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON text, an object's members in sorted order.
    public var jsonBytes: [UInt8] {
        var output: [UInt8] = []
        appendJSON(to: &output)
        return output
    }

    /// Appends the value as compact JSON text (numbers as they were written, an object's
    /// members in sorted order).
    package func appendJSON(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(literal: "null")
        case .bool(let flag): output.append(literal: flag ? "true" : "false")
        case .number(let text): output.append(utf8Of: text)
        case .string(let text): JSONText.appendString(text, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                item.appendJSON(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, name) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(name, to: &output)
                output.append(UInt8(ascii: ":"))
                members[name]?.appendJSON(to: &output)
            }
            output.append(UInt8(ascii: "}"))
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

    /// A string's or a number's own text; any other value as JSON text.
    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let text): text
        default: String(decoding: jsonBytes, as: UTF8.self)
        }
    }
}
