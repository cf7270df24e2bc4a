import SwitchboardBase
import SwitchboardJSON

/// One line of the stream protocol, from the driver to the function:
///
///     {"id":"<request id>","deadlineMs":<epoch ms>,"traceId":"…","event":{…payload 2.0…}}
///
/// The event is an HTTP request (payload format 2.0) — or, for a function invoked some
/// other way (an EventBridge schedule), any other JSON object.
public struct InvocationRequest: Codable, Sendable {
    /// What the invocation carries.
    public enum Payload: Sendable, Equatable {
        /// An HTTP request, as the HTTP API or a Function URL delivers it.
        case http(HTTPEvent)
        /// Any other event: an object with none of payload 2.0's fields.
        case other(JSONValue)
    }

    public var id: String
    public var deadlineMs: Int64?
    public var traceId: String?
    public var payload: Payload

    /// An HTTP invocation.
    public init(id: String, deadlineMs: Int64? = nil, traceId: String? = nil, event: HTTPEvent) {
        self.init(id: id, deadlineMs: deadlineMs, traceId: traceId, payload: .http(event))
    }

    public init(id: String, deadlineMs: Int64? = nil, traceId: String? = nil, payload: Payload) {
        self.id = id
        self.deadlineMs = deadlineMs
        self.traceId = traceId
        self.payload = payload
    }

    /// The HTTP request, when the invocation is one.
    public var event: HTTPEvent? {
        if case .http(let event) = payload { return event }
        return nil
    }

    enum CodingKeys: String, CodingKey { case id, deadlineMs, traceId, event }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        deadlineMs = try c.decodeIfPresent(Int64.self, forKey: .deadlineMs)
        traceId = try c.decodeIfPresent(String.self, forKey: .traceId)
        let raw = try c.decode(JSONValue.self, forKey: .event)
        payload = raw.isHTTPEvent ? .http(try c.decode(HTTPEvent.self, forKey: .event)) : .other(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(deadlineMs, forKey: .deadlineMs)
        try c.encodeIfPresent(traceId, forKey: .traceId)
        switch payload {
        case .http(let event): try c.encode(event, forKey: .event)
        case .other(let value): try c.encode(value, forKey: .event)
        }
    }
}

extension JSONValue {
    /// True unless the value is an object with none of payload format 2.0's fields
    /// (`requestContext`, `rawPath`, `routeKey`, `headers`, `body`): what a scheduled or
    /// other non-HTTP invocation sends. An HTTP event missing its fields is still one,
    /// and is refused naming them.
    var isHTTPEvent: Bool {
        guard case .object(let members) = self else { return true }
        return ["requestContext", "rawPath", "routeKey", "headers", "body", "isBase64Encoded"].contains {
            members[$0] != nil
        } || members.isEmpty
    }
}

/// One line of the stream protocol, from the function back to the driver: the response,
/// or an error saying why there is none.
///
///     {"id":"…","response":{"statusCode":200,"headers":{…},"body":"…","isBase64Encoded":false}}
///     {"id":"…","error":{"type":"Runtime.InvalidEnvelope","message":"…"}}
///
/// `id` is `null` when the line it answers had no readable id.
public struct InvocationReply: Codable, Sendable, Equatable {
    public var id: String?
    public var response: HTTPResponse?
    public var error: InvocationError?

    public init(id: String?, response: HTTPResponse) {
        self.id = id
        self.response = response
        self.error = nil
    }

    public init(id: String?, error: InvocationError) {
        self.id = id
        self.response = nil
        self.error = error
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)  // written as null when unknown, never left out
        try c.encodeIfPresent(response, forKey: .response)
        try c.encodeIfPresent(error, forKey: .error)
    }
}

/// Why an invocation has no response. `type` follows Lambda's `Category.Reason` style.
public struct InvocationError: Codable, Sendable, Equatable, Error {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    /// The line is not JSON, or not an envelope.
    static func invalidEnvelope(_ why: String) -> Self { .init(type: "Runtime.InvalidEnvelope", message: why) }
    /// The one-shot input is not a payload 2.0 event.
    static func invalidEvent(_ why: String) -> Self { .init(type: "Runtime.InvalidEvent", message: why) }
    /// The input is larger than the protocol allows.
    static func tooLarge(_ limit: Int) -> Self {
        .init(type: "Runtime.PayloadTooLarge", message: "input is larger than \(limit) bytes")
    }
    /// The handler could not be built.
    static func initFailed(_ why: String) -> Self { .init(type: "Function.InitError", message: why) }
    /// The handler threw.
    static func unhandled(_ why: String) -> Self { .init(type: "Function.Unhandled", message: why) }
    /// The function answers HTTP requests only, and got another event.
    package static func unsupportedEvent(_ function: String) -> Self {
        .init(type: "Runtime.UnsupportedEvent", message: "\(function) answers HTTP API payload format 2.0 events only")
    }
}
