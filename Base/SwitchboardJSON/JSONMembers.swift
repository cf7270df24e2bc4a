/// Writes one JSON object's members into a buffer: commas between them, absent values
/// left out. Opening writes `{`; the caller writes the closing `}`. The event and archive
/// writers use it on every call, where a general encoder would cost more than the rest.
package struct JSONMembers {
    private var first = true

    package init(opening output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
    }

    package mutating func key(_ name: StaticString, to output: inout [UInt8]) {
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        output.append(UInt8(ascii: "\""))
        output.append(literal: name)
        output.append(literal: "\":")
    }

    package mutating func string(_ name: StaticString, _ value: String?, to output: inout [UInt8]) {
        guard let value else { return }
        key(name, to: &output)
        JSONText.appendString(value, to: &output)
    }

    package mutating func stringMap(_ name: StaticString, _ map: [String: String]?, to output: inout [UInt8]) {
        guard let map else { return }
        key(name, to: &output)
        output.append(UInt8(ascii: "{"))
        var separator = false
        for (name, value) in map {
            if separator { output.append(UInt8(ascii: ",")) }
            separator = true
            JSONText.appendString(name, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}
