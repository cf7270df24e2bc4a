import SwitchboardJSON

/// Writes stream envelopes as JSON by hand, for drivers that build events themselves
/// (`switchboard serve`): once per request, where `JSONEncoder` cost more than the rest
/// of the hand-off. Fields absent from the event are left out, as `JSONEncoder` leaves
/// them; the tests read the output back with the protocol reader and with `JSONDecoder`.
extension InvocationRequest {
    /// The envelope as one line of JSON, newline included.
    public func jsonLine() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(2_048)
        output.append(literal: #"{"id":"#)
        JSONText.appendString(id, to: &output)
        if let deadlineMs {
            output.append(literal: #","deadlineMs":"#)
            output += String(deadlineMs).utf8
        }
        if let traceId {
            output.append(literal: #","traceId":"#)
            JSONText.appendString(traceId, to: &output)
        }
        output.append(literal: #","event":"#)
        switch payload {
        case .http(let event): event.appendJSON(to: &output)
        case .other(let value): value.appendJSON(to: &output)
        }
        output.append(literal: "}\n")
        return output
    }
}

extension HTTPEvent {
    /// Appends the event as a JSON object.
    func appendJSON(to output: inout [UInt8]) {
        var object = JSONMembers(opening: &output)
        object.string("version", version, to: &output)
        object.string("routeKey", routeKey, to: &output)
        object.string("rawPath", rawPath, to: &output)
        object.string("rawQueryString", rawQueryString, to: &output)
        if let cookies {
            object.key("cookies", to: &output)
            output.append(UInt8(ascii: "["))
            for (index, cookie) in cookies.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(cookie, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        object.stringMap("headers", headers, to: &output)
        object.stringMap("queryStringParameters", queryStringParameters, to: &output)
        object.stringMap("pathParameters", pathParameters, to: &output)
        object.key("requestContext", to: &output)
        var context = JSONMembers(opening: &output)
        context.string("accountId", requestContext.accountId, to: &output)
        context.string("apiId", requestContext.apiId, to: &output)
        context.string("domainName", requestContext.domainName, to: &output)
        context.string("domainPrefix", requestContext.domainPrefix, to: &output)
        context.key("http", to: &output)
        var http = JSONMembers(opening: &output)
        http.string("method", requestContext.http.method, to: &output)
        http.string("path", requestContext.http.path, to: &output)
        http.string("protocol", requestContext.http.protocol, to: &output)
        http.string("sourceIp", requestContext.http.sourceIp, to: &output)
        http.string("userAgent", requestContext.http.userAgent, to: &output)
        output.append(UInt8(ascii: "}"))
        context.string("requestId", requestContext.requestId, to: &output)
        context.string("routeKey", requestContext.routeKey, to: &output)
        context.string("stage", requestContext.stage, to: &output)
        context.string("time", requestContext.time, to: &output)
        if let timeEpoch = requestContext.timeEpoch {
            context.key("timeEpoch", to: &output)
            output += String(timeEpoch).utf8
        }
        output.append(UInt8(ascii: "}"))
        object.string("body", body, to: &output)
        object.key("isBase64Encoded", to: &output)
        output.append(literal: isBase64Encoded ? "true" : "false")
        output.append(UInt8(ascii: "}"))
    }
}
