/// Reads the protocol's messages from parsed JSON (the hot path; `Codable` conformances
/// remain for tools and tests, and a test checks that both readings agree).
extension HTTPEvent {
    /// Reads a payload 2.0 event from its JSON text.
    ///
    /// - Throws: ``ProtocolDecodingError`` naming the field at fault, or saying the text
    ///   is not JSON.
    public init(parsing bytes: some Collection<UInt8>) throws(ProtocolDecodingError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .notJSON(error) }
        try self.init(json: json, path: "")
    }

    init(json: JSONValue, path: String) throws(ProtocolDecodingError) {
        let fields = try FieldReader(json, path: path)
        version = try fields.string("version")
        routeKey = try fields.string("routeKey")
        rawPath = try fields.string("rawPath") ?? "/"
        rawQueryString = try fields.string("rawQueryString") ?? ""
        cookies = try fields.stringArray("cookies")
        let rawHeaders = try fields.stringMap("headers") ?? [:]
        var headers: [String: String] = [:]
        headers.reserveCapacity(rawHeaders.count)
        for (name, value) in rawHeaders where headers[name.lowercased()] == nil {
            headers[name.lowercased()] = value
        }
        self.headers = headers
        queryStringParameters = try fields.stringMap("queryStringParameters")
        pathParameters = try fields.stringMap("pathParameters")
        let context = try fields.requiredObject("requestContext")
        let http = try context.requiredObject("http")
        var requestContext = RequestContext(
            domainName: try context.string("domainName"),
            http: .init(
                method: try http.requiredString("method"), path: try http.string("path"),
                protocol: try http.string("protocol"), sourceIp: try http.string("sourceIp"),
                userAgent: try http.string("userAgent")),
            requestId: try context.string("requestId"),
            timeEpoch: try context.int64("timeEpoch"))
        requestContext.accountId = try context.string("accountId")
        requestContext.apiId = try context.string("apiId")
        requestContext.domainPrefix = try context.string("domainPrefix")
        requestContext.routeKey = try context.string("routeKey")
        requestContext.stage = try context.string("stage")
        requestContext.time = try context.string("time")
        self.requestContext = requestContext
        body = try fields.string("body")
        isBase64Encoded = try fields.bool("isBase64Encoded") ?? false
    }
}

extension InvocationRequest.Payload {
    /// Reads a one-shot event: an HTTP request, or any other JSON object.
    public init(parsing bytes: some Collection<UInt8>) throws(ProtocolDecodingError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .notJSON(error) }
        self = json.isHTTPEvent ? .http(try HTTPEvent(json: json, path: "")) : .other(json)
    }
}

extension InvocationRequest {
    /// Reads a stream-mode envelope from one line of JSON.
    public init(parsing bytes: some Collection<UInt8>) throws(ProtocolDecodingError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .notJSON(error) }
        let fields = try FieldReader(json, path: "")
        id = try fields.requiredString("id")
        deadlineMs = try fields.int64("deadlineMs")
        traceId = try fields.string("traceId")
        guard let event = fields.members["event"], event != .null else { throw .missing("event") }
        payload = event.isHTTPEvent ? .http(try HTTPEvent(json: event, path: "event")) : .other(event)
    }

    /// The envelope's id, if `bytes` is a JSON object with a string `id`, however wrong
    /// the rest is: so an error reply can still name the request it answers.
    static func id(in bytes: some Collection<UInt8>) -> String? {
        guard case .string(let id)? = (try? JSONValue(parsing: bytes))?["id"] else { return nil }
        return id
    }
}

/// Why a message is not what the protocol expects; the text names the field.
public enum ProtocolDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(JSONParseError)
    case missing(String)
    case wrongType(String, expected: String)

    public var description: String {
        switch self {
        case .notJSON(let error): "\(error)"
        case .missing(let field): "missing \(field)"
        case .wrongType(let field, let expected): "\(field.isEmpty ? "the top level" : field) must be \(expected)"
        }
    }
}

/// Typed access to one JSON object's members, with errors naming the member's path.
struct FieldReader {
    let members: [String: JSONValue]
    let path: String

    init(_ json: JSONValue, path: String) throws(ProtocolDecodingError) {
        guard case .object(let members) = json else { throw .wrongType(path, expected: "an object") }
        self.members = members
        self.path = path
    }

    private func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func string(_ key: String) throws(ProtocolDecodingError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .wrongType(field(key), expected: "a string")
        }
    }

    func requiredString(_ key: String) throws(ProtocolDecodingError) -> String {
        guard let text = try string(key) else { throw .missing(field(key)) }
        return text
    }

    func bool(_ key: String) throws(ProtocolDecodingError) -> Bool? {
        switch members[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .wrongType(field(key), expected: "true or false")
        }
    }

    func int64(_ key: String) throws(ProtocolDecodingError) -> Int64? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let text)?:
            if let exact = Int64(text) { return exact }
            if let double = Double(text), let exact = Int64(exactly: double) { return exact }
            throw .wrongType(field(key), expected: "a whole number")
        default: throw .wrongType(field(key), expected: "a number")
        }
    }

    func stringMap(_ key: String) throws(ProtocolDecodingError) -> [String: String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .object(let object)?:
            var map: [String: String] = [:]
            map.reserveCapacity(object.count)
            for (name, value) in object {
                guard case .string(let text) = value else { throw .wrongType(field(key) + "." + name, expected: "a string") }
                map[name] = text
            }
            return map
        default: throw .wrongType(field(key), expected: "an object of strings")
        }
    }

    func stringArray(_ key: String) throws(ProtocolDecodingError) -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else { throw .wrongType("\(field(key)).\(index)", expected: "a string") }
                strings.append(text)
            }
            return strings
        default: throw .wrongType(field(key), expected: "an array of strings")
        }
    }

    func requiredObject(_ key: String) throws(ProtocolDecodingError) -> FieldReader {
        guard let value = members[key], value != .null else { throw .missing(field(key)) }
        return try FieldReader(value, path: field(key))
    }
}
