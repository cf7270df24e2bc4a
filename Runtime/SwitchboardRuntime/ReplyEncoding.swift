/// Writes protocol replies as JSON by hand: they are flat (strings, one integer, one
/// boolean), and this is on every invocation's path, where a general encoder costs
/// more than the rest of the protocol together. The output is what `JSONEncoder` would
/// write, keys in a fixed order; the tests decode it with `JSONDecoder`.
extension HTTPResponse {
    func appendJSON(to output: inout String) {
        output += "{\"statusCode\":"
        output += String(statusCode)
        output += ",\"headers\":{"
        for (index, name) in headers.keys.sorted().enumerated() {
            if index > 0 { output += "," }
            JSONText.appendString(name, to: &output)
            output += ":"
            JSONText.appendString(headers[name]!, to: &output)
        }
        output += "},\"body\":"
        JSONText.appendString(body, to: &output)
        output += isBase64Encoded ? ",\"isBase64Encoded\":true}" : ",\"isBase64Encoded\":false}"
    }

    /// The response as one line of JSON, newline included.
    package func jsonLine() -> [UInt8] {
        var output = ""
        output.reserveCapacity(body.utf8.count + 128)
        appendJSON(to: &output)
        output += "\n"
        return Array(output.utf8)
    }
}

extension InvocationReply {
    /// The reply as one line of JSON, newline included.
    package func jsonLine() -> [UInt8] {
        var output = "{\"id\":"
        output.reserveCapacity((response?.body.utf8.count ?? 0) + 160)
        if let id { JSONText.appendString(id, to: &output) } else { output += "null" }
        if let response {
            output += ",\"response\":"
            response.appendJSON(to: &output)
        }
        if let error {
            output += ",\"error\":{\"type\":"
            JSONText.appendString(error.type, to: &output)
            output += ",\"message\":"
            JSONText.appendString(error.message, to: &output)
            output += "}"
        }
        output += "}\n"
        return Array(output.utf8)
    }
}
