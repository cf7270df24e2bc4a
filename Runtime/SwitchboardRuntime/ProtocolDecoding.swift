import SwitchboardBase
import SwitchboardJSON

/// Reads the protocol's messages straight from their JSON text — the hot path of every
/// invocation. Each member is taken as the strict reader (``JSONParser``) meets it, so no
/// tree of the document and no dictionary per object is built. `Codable` conformances
/// remain for tools and tests, and a test checks that both readings agree.
///
/// A text that is not JSON is refused as such, wherever the fault is; otherwise the
/// first member of the wrong type (in the order the text gives them), or else the first
/// missing one, is named.
extension HTTPEvent {
    /// Reads a payload 2.0 event from its JSON text.
    ///
    /// - Throws: ``ProtocolDecodingError`` naming the field at fault, or saying the text
    ///   is not JSON.
    public init(parsing bytes: some Collection<UInt8>) throws(ProtocolDecodingError) {
        var reader = ProtocolReader(bytes: Array(bytes))
        let reading = try reader.document { reader throws(JSONParseError) in try reader.event(path: "", depth: 0) }
        switch reading {
        case .http(let event): self = event
        case .invalid(let error): throw error
        case .other: throw .missing("requestContext")
        }
    }
}

extension InvocationRequest.Payload {
    /// Reads a one-shot event: an HTTP request (with the members `fields` keeps), or any
    /// other JSON object.
    public init(parsing bytes: some Collection<UInt8>, fields: EventFields = .all) throws(ProtocolDecodingError) {
        let text = Array(bytes)
        var reader = ProtocolReader(bytes: text, fields: fields)
        switch try reader.document({ reader throws(JSONParseError) in try reader.event(path: "", depth: 0) }) {
        case .http(let event): self = .http(event)
        case .invalid(let error): throw error
        case .other:
            do { self = .other(try JSONValue(parsing: text)) } catch { throw .notJSON(error) }
        }
    }
}

extension InvocationRequest {
    /// Reads a stream-mode envelope from one line of JSON, its event with the members
    /// `fields` keeps.
    public init(parsing bytes: some Collection<UInt8>, fields: EventFields = .all) throws(ProtocolDecodingError) {
        var reader = ProtocolReader(bytes: Array(bytes), fields: fields)
        do {
            self = try reader.document { reader throws(JSONParseError) in try reader.envelope() }.get()
        } catch .notJSON(let error) where reader.unfinishedEvent != nil {
            // The event is the caller's text (bootstrap wraps what Lambda gave it): say
            // where in it the fault is, not where in the envelope.
            throw .notJSON(error.within("the event", startingAt: reader.unfinishedEvent ?? 0))
        }
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

/// Takes the protocol's fields from a ``JSONParser`` as it meets them.
///
/// Syntax errors are thrown (``JSONParseError``) and end the reading. A member of the
/// wrong type is noted in ``fault`` — the first one only — and its value skipped (still
/// checked to be JSON), so that a text that is not JSON further on is refused as such.
struct ProtocolReader {
    /// What reading an event found.
    enum EventReading {
        case http(HTTPEvent)
        /// A non-empty object with none of payload 2.0's fields: another kind of event.
        case other
        case invalid(ProtocolDecodingError)
    }

    var parser: JSONParser
    /// The first member found with the wrong type.
    var fault: ProtocolDecodingError?
    /// The members of an event made into values; the others are only checked.
    let fields: EventFields
    /// Where the envelope's event starts, while it is being read: a fault found then is
    /// in the event.
    var unfinishedEvent: Int?

    init(bytes: [UInt8], fields: EventFields = .all) {
        parser = JSONParser(bytes: bytes)
        self.fields = fields
    }

    /// Reads the whole text as one value with `read`, and checks that nothing follows.
    mutating func document<T>(_ read: (inout ProtocolReader) throws(JSONParseError) -> T) throws(ProtocolDecodingError)
        -> T
    {
        do throws(JSONParseError) {
            parser.skipWhitespace()
            let value = try read(&self)
            parser.skipWhitespace()
            guard parser.index == parser.bytes.count else { throw parser.fail("unexpected text after the value") }
            return value
        } catch {
            throw .notJSON(error)
        }
    }

    /// The envelope `{"id","deadlineMs","traceId","event"}`. Faults are named in that
    /// order of importance: the id first, so an error reply can carry it.
    mutating func envelope() throws(JSONParseError) -> Result<InvocationRequest, ProtocolDecodingError> {
        guard next == UInt8(ascii: "{") else {
            _ = try parser.value(depth: 0)
            return .failure(.wrongType("", expected: "an object"))
        }
        var id: String?
        var deadline: Int64?
        var trace: String?
        var idFault: ProtocolDecodingError?
        var deadlineFault: ProtocolDecodingError?
        var traceFault: ProtocolDecodingError?
        var event: EventReading?
        var eventRange = 0..<0
        try members(depth: 0) { reader, key throws(JSONParseError) in
            switch key {
            case "id": id = try reader.string("id", depth: 1, fault: &idFault)
            case "deadlineMs": deadline = try reader.int64("deadlineMs", depth: 1, fault: &deadlineFault)
            case "traceId": trace = try reader.string("traceId", depth: 1, fault: &traceFault)
            case "event":
                let start = reader.parser.index
                reader.unfinishedEvent = start
                event =
                    reader.next == UInt8(ascii: "n")
                    ? try reader.null(depth: 1) : try reader.event(path: "event", depth: 1)
                reader.unfinishedEvent = nil
                eventRange = start..<reader.parser.index
            default: _ = try reader.parser.value(depth: 1)
            }
        }
        if let fault = idFault ?? deadlineFault ?? traceFault { return .failure(fault) }
        guard let id else { return .failure(.missing("id")) }
        switch event.take() {  // moved out, not copied (see `event(path:depth:)`)
        case nil: return .failure(.missing("event"))
        case .invalid(let fault): return .failure(fault)
        case .http(let event):
            return .success(InvocationRequest(id: id, deadlineMs: deadline, traceId: trace, payload: .http(event)))
        case .other:
            let other = try JSONValue(parsing: parser.bytes[eventRange])
            return .success(InvocationRequest(id: id, deadlineMs: deadline, traceId: trace, payload: .other(other)))
        }
    }

    /// A reply line `{"id","response":{…}}` or `{"id","error":{"type","message"}}`.
    mutating func reply() throws(JSONParseError) -> Result<InvocationReply, ProtocolDecodingError> {
        guard next == UInt8(ascii: "{") else {
            _ = try parser.value(depth: 0)
            return .failure(.wrongType("", expected: "an object"))
        }
        var id: String?
        var response: HTTPResponse?
        var error: InvocationError?
        var errorSeen = false
        try members(depth: 0) { reader, key throws(JSONParseError) in
            switch key {
            case "id": id = try reader.string("id", depth: 1)
            case "response":
                guard reader.next != UInt8(ascii: "n") else {
                    _ = try reader.parser.value(depth: 1)
                    return
                }
                guard try reader.object("response", depth: 1) else { return }
                var fields = HTTPResponse(statusCode: 200, body: "")
                try reader.members(depth: 1) { reader, key throws(JSONParseError) in
                    switch key {
                    case "statusCode": fields.statusCode = Int(try reader.int64("response.statusCode", depth: 2) ?? 200)
                    case "headers": fields.headers = try reader.stringMap("response.headers", depth: 2) ?? [:]
                    case "body": fields.body = try reader.string("response.body", depth: 2) ?? ""
                    case "isBase64Encoded":
                        fields.isBase64Encoded = try reader.bool("response.isBase64Encoded", depth: 2) ?? false
                    default: _ = try reader.parser.value(depth: 2)
                    }
                }
                response = fields
            case "error":
                errorSeen = true
                guard try reader.object("error", depth: 1) else { return }
                var type: String?
                var message: String?
                try reader.members(depth: 1) { reader, key throws(JSONParseError) in
                    switch key {
                    case "type": type = try reader.string("error.type", depth: 2)
                    case "message": message = try reader.string("error.message", depth: 2)
                    default: _ = try reader.parser.value(depth: 2)
                    }
                }
                if let type {
                    error = InvocationError(type: type, message: message ?? "")
                } else {
                    reader.note(.missing("error.type"))
                }
            default: _ = try reader.parser.value(depth: 1)
            }
        }
        if let fault { return .failure(fault) }
        if let response { return .success(InvocationReply(id: id, response: response)) }
        guard let error else { return .failure(.missing(errorSeen ? "error.type" : "error")) }
        return .success(InvocationReply(id: id, error: error))
    }

    /// A payload 2.0 event at `path`, or `.other` for an object with none of its fields.
    mutating func event(path: String, depth: Int) throws(JSONParseError) -> EventReading {
        guard next == UInt8(ascii: "{") else {
            _ = try parser.value(depth: depth)
            return .invalid(.wrongType(path, expected: "an object"))
        }
        let outerFault = fault
        fault = nil
        defer { fault = outerFault }
        func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        // The event is filled in place as its members are met, so no part of it is
        // copied on the way (each copy retains and releases every string in it).
        var event = HTTPEvent(unread: ())
        var requestContextRead = false
        let everything = fields.keepsEverything
        var isHTTP = false
        var memberCount = 0
        try members(depth: depth) { reader, key throws(JSONParseError) in
            memberCount += 1
            switch key {
            case "version": event.version = try reader.string(field(key.text), depth: depth + 1, keeping: everything)
            case "routeKey":
                isHTTP = true
                event.routeKey = try reader.string(field(key.text), depth: depth + 1, keeping: everything)
            case "rawPath":
                isHTTP = true
                event.rawPath = try reader.string(field(key.text), depth: depth + 1) ?? "/"
            case "rawQueryString": event.rawQueryString = try reader.string(field(key.text), depth: depth + 1) ?? ""
            case "cookies":
                let cookies = try reader.stringArray(field(key.text), depth: depth + 1)
                if everything { event.cookies = cookies }
            case "headers":
                isHTTP = true
                event.headers = try reader.stringMap(field(key.text), depth: depth + 1, lowercasingNames: true) ?? [:]
            case "queryStringParameters":
                event.queryStringParameters = try reader.stringMap(
                    field(key.text), depth: depth + 1, keeping: everything)
            case "pathParameters":
                event.pathParameters = try reader.stringMap(field(key.text), depth: depth + 1, keeping: everything)
            case "requestContext":
                isHTTP = true
                requestContextRead = try reader.requestContext(
                    field(key.text), depth: depth + 1, into: &event.requestContext)
            case "body":
                isHTTP = true
                event.body = try reader.string(field(key.text), depth: depth + 1)
            case "isBase64Encoded":
                isHTTP = true
                event.isBase64Encoded = try reader.bool(field(key.text), depth: depth + 1) ?? false
            default: _ = try reader.parser.value(depth: depth + 1)
            }
        }
        if !isHTTP && memberCount > 0 { return .other }
        if let fault { return .invalid(fault) }
        guard requestContextRead else { return .invalid(.missing(field("requestContext"))) }
        // Moved out rather than copied: the closure above holds `event`, so a plain
        // return would retain every string in it, and release them all again.
        var read = HTTPEvent(unread: ())
        swap(&read, &event)
        return .http(read)
    }

    /// Reads `requestContext` and its `http` into `context`; false (with the fault
    /// noted) when either is missing or not an object, or `http.method` is missing.
    private mutating func requestContext(
        _ path: @autoclosure () -> String, depth: Int, into context: inout HTTPEvent.RequestContext
    ) throws(JSONParseError) -> Bool {
        guard try object(path(), depth: depth) else { return false }
        // A repeated member replaces the first.
        context = HTTPEvent.RequestContext(domainName: nil, http: .init(method: ""))
        let everything = fields.keepsEverything
        var httpRead = false
        var httpSeen = false
        try members(depth: depth) { reader, key throws(JSONParseError) in
            switch key {
            case "domainName": context.domainName = try reader.string(path() + "." + key.text, depth: depth + 1)
            case "requestId": context.requestId = try reader.string(path() + "." + key.text, depth: depth + 1)
            case "timeEpoch": context.timeEpoch = try reader.int64(path() + "." + key.text, depth: depth + 1)
            case "accountId":
                context.accountId = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "apiId":
                context.apiId = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "domainPrefix":
                context.domainPrefix = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "routeKey":
                context.routeKey = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "stage":
                context.stage = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "time":
                context.time = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "http":
                httpSeen = true
                httpRead = try reader.http(path() + "." + key.text, depth: depth + 1, into: &context.http)
            default: _ = try reader.parser.value(depth: depth + 1)
            }
        }
        if !httpRead, !httpSeen { note(.missing(path() + ".http")) }
        return httpRead
    }

    /// Reads `requestContext.http` into `http`; false (with the fault noted) when it is
    /// not an object or has no `method`.
    private mutating func http(
        _ path: @autoclosure () -> String, depth: Int, into http: inout HTTPEvent.RequestContext.HTTP
    ) throws(JSONParseError) -> Bool {
        guard try object(path(), depth: depth) else { return false }
        http = HTTPEvent.RequestContext.HTTP(method: "")  // a repeated member replaces the first
        let everything = fields.keepsEverything
        var method: String?
        try members(depth: depth) { reader, key throws(JSONParseError) in
            switch key {
            case "method": method = try reader.string(path() + "." + key.text, depth: depth + 1)
            case "path": http.path = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "protocol":
                http.protocol = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "sourceIp":
                http.sourceIp = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            case "userAgent":
                http.userAgent = try reader.string(path() + "." + key.text, depth: depth + 1, keeping: everything)
            default: _ = try reader.parser.value(depth: depth + 1)
            }
        }
        guard let method else {
            note(.missing(path() + ".method"))
            return false
        }
        http.method = method
        return true
    }

    // MARK: Values

    /// The next byte to read, white space skipped.
    private var next: UInt8? {
        mutating get {
            parser.skipWhitespace()
            return parser.index < parser.bytes.count ? parser.bytes[parser.index] : nil
        }
    }

    private mutating func note(_ problem: ProtocolDecodingError) {
        if fault == nil { fault = problem }
    }

    /// Reads a `null`: an event that is not there.
    private mutating func null(depth: Int) throws(JSONParseError) -> EventReading? {
        _ = try parser.value(depth: depth)
        return nil
    }

    /// Whether the value ahead is an object; `null` means missing; anything else is
    /// skipped and noted as the wrong type. Either way the fault is noted.
    private mutating func object(_ field: @autoclosure () -> String, depth: Int) throws(JSONParseError) -> Bool {
        switch next {
        case UInt8(ascii: "{"): return true
        case UInt8(ascii: "n"): note(.missing(field()))
        default: note(.wrongType(field(), expected: "an object"))
        }
        _ = try parser.value(depth: depth)
        return false
    }

    /// A string, or `nil` for `null`; anything else is noted as the wrong type. Not
    /// `keeping` it, the string is checked and `nil` returned.
    mutating func string(_ field: @autoclosure () -> String, depth: Int, keeping: Bool = true) throws(JSONParseError)
        -> String?
    {
        if !keeping, next == UInt8(ascii: "\"") {
            try parser.skipString()
            return nil
        }
        var fault = self.fault
        defer { self.fault = fault }
        return try string(field(), depth: depth, fault: &fault)
    }

    private mutating func string(_ field: @autoclosure () -> String, depth: Int, fault: inout ProtocolDecodingError?)
        throws(JSONParseError) -> String?
    {
        switch next {
        case UInt8(ascii: "\""): return try parser.string()
        case UInt8(
            ascii:
                "n"):
            try parser.literal("null")
            return nil
        default:
            _ = try parser.value(depth: depth)
            if fault == nil { fault = .wrongType(field(), expected: "a string") }
            return nil
        }
    }

    private mutating func int64(_ field: @autoclosure () -> String, depth: Int) throws(JSONParseError) -> Int64? {
        var fault = self.fault
        defer { self.fault = fault }
        return try int64(field(), depth: depth, fault: &fault)
    }

    private mutating func int64(_ field: @autoclosure () -> String, depth: Int, fault: inout ProtocolDecodingError?)
        throws(JSONParseError) -> Int64?
    {
        switch next {
        case UInt8(
            ascii:
                "n"):
            try parser.literal("null")
            return nil
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            let text = try parser.number()
            if let exact = Int64(text) { return exact }
            if let double = Double(text), let exact = Int64(exactly: double) { return exact }
            if fault == nil { fault = .wrongType(field(), expected: "a whole number") }
            return nil
        default:
            _ = try parser.value(depth: depth)
            if fault == nil { fault = .wrongType(field(), expected: "a number") }
            return nil
        }
    }

    private mutating func bool(_ field: @autoclosure () -> String, depth: Int) throws(JSONParseError) -> Bool? {
        switch next {
        case UInt8(
            ascii:
                "t"):
            try parser.literal("true")
            return true
        case UInt8(
            ascii:
                "f"):
            try parser.literal("false")
            return false
        case UInt8(
            ascii:
                "n"):
            try parser.literal("null")
            return nil
        default:
            _ = try parser.value(depth: depth)
            note(.wrongType(field(), expected: "true or false"))
            return nil
        }
    }

    /// An object of strings, or `nil` for `null`. With `lowercasingNames`, names are
    /// lower-cased (HTTP header names): a name already lower-case keeps the last of its
    /// repeats, as JSON readers do; one lower-cased does not replace a name given so.
    ///
    /// Not `keeping` it, the object is checked and `nil` returned. Headers
    /// (`lowercasingNames`) are kept as ``fields`` says.
    private mutating func stringMap(
        _ field: @autoclosure () -> String, depth: Int, lowercasingNames: Bool = false, keeping: Bool = true
    ) throws(JSONParseError) -> [String: String]? {
        switch next {
        case UInt8(
            ascii:
                "n"):
            try parser.literal("null")
            return nil
        case UInt8(ascii: "{"): break
        default:
            _ = try parser.value(depth: depth)
            note(.wrongType(field(), expected: "an object of strings"))
            return nil
        }
        var map: [String: String] = [:]
        map.reserveCapacity(16)
        var lowered: [(String, String)] = []
        let fields = fields
        try members(depth: depth) { reader, name throws(JSONParseError) in
            if !(keeping && (!lowercasingNames || fields.keepsHeader(name))), reader.next == UInt8(ascii: "\"") {
                try reader.parser.skipString()  // checked, not kept
                return
            }
            guard let value = try reader.string(field() + "." + name.text, depth: depth + 1) else {
                if reader.fault == nil { reader.note(.wrongType(field() + "." + name.text, expected: "a string")) }
                return
            }
            if lowercasingNames, name.bytes.withUnsafeBufferPointer({ $0.contains(where: \.isASCIIUppercase) }) {
                lowered.append((name.text.lowercased(), value))
            } else {
                map[name.text] = value
            }
        }
        for (name, value) in lowered where map[name] == nil { map[name] = value }
        return keeping ? map : nil
    }

    private mutating func stringArray(_ field: @autoclosure () -> String, depth: Int) throws(JSONParseError)
        -> [String]?
    {
        switch next {
        case UInt8(
            ascii:
                "n"):
            try parser.literal("null")
            return nil
        case UInt8(ascii: "["): break
        default:
            _ = try parser.value(depth: depth)
            note(.wrongType(field(), expected: "an array of strings"))
            return nil
        }
        guard case .array(let items) = try parser.value(depth: depth) else { return nil }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                note(.wrongType("\(field()).\(index)", expected: "a string"))
                return nil
            }
            strings.append(text)
        }
        return strings
    }

    /// Reads the object ahead member by member: `member` gets each name with the parser
    /// at its value, and must read that value.
    private mutating func members(
        depth: Int, _ member: (inout ProtocolReader, MemberName) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard depth < JSONValue.maximumDepth else {
            throw parser.fail("nested deeper than \(JSONValue.maximumDepth) levels")
        }
        parser.index += 1  // "{"
        parser.skipWhitespace()
        if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "}") {
            parser.index += 1
            return
        }
        while true {
            parser.skipWhitespace()
            guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
                throw parser.fail("expected a member name")
            }
            let name = try parser.memberName()
            parser.skipWhitespace()
            guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: ":") else {
                throw parser.fail("expected ':'")
            }
            parser.index += 1
            parser.skipWhitespace()
            guard parser.index < parser.bytes.count else { throw parser.fail("unexpected end of input") }
            try member(&self, name)
            parser.skipWhitespace()
            guard parser.index < parser.bytes.count else { throw parser.fail("unexpected end of input") }
            if parser.bytes[parser.index] == UInt8(ascii: ",") {
                parser.index += 1
                continue
            }
            if parser.bytes[parser.index] == UInt8(ascii: "}") {
                parser.index += 1
                return
            }
            throw parser.fail("expected ',' or '}'")
        }
    }
}
