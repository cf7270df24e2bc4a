import SwitchboardBase
import SwitchboardJSON

/// Writes protocol replies as JSON by hand: they are flat (strings, one integer, one
/// boolean), and this is on every invocation's path, where a general encoder costs
/// more than the rest of the protocol together. The output is what `JSONEncoder` would
/// write, keys in a fixed order; the tests decode it with `JSONDecoder`.
extension HTTPResponse {
    func appendJSON(to output: inout [UInt8]) {
        output.append(literal: #"{"statusCode":"#)
        output += String(statusCode).utf8
        output.append(literal: #","headers":{"#)
        // Sorted by name (most responses carry one header, which needs no sorting).
        let sortedHeaders = headers.count < 2 ? Array(headers) : headers.sorted { $0.key < $1.key }
        for (index, header) in sortedHeaders.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONText.appendString(header.key, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONText.appendString(header.value, to: &output)
        }
        output.append(literal: #"},"body":"#)
        JSONText.appendString(body, to: &output)
        output.append(literal: isBase64Encoded ? #","isBase64Encoded":true}"# : #","isBase64Encoded":false}"#)
    }

    /// The response as one line of JSON, newline included.
    package func jsonLine() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.utf8.count + 128)
        appendJSON(to: &output)
        output.append(0x0A)
        return output
    }
}

extension InvocationReply {
    /// The reply as one line of JSON, newline included.
    package func jsonLine() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((response?.body.utf8.count ?? 0) + 192)
        output.append(literal: #"{"id":"#)
        if let id { JSONText.appendString(id, to: &output) } else { output.append(literal: "null") }
        if let response {
            output.append(literal: #","response":"#)
            response.appendJSON(to: &output)
        }
        if let error {
            output.append(literal: #","error":{"type":"#)
            JSONText.appendString(error.type, to: &output)
            output.append(literal: #","message":"#)
            JSONText.appendString(error.message, to: &output)
            output.append(UInt8(ascii: "}"))
        }
        output.append(literal: "}\n")
        return output
    }
}
