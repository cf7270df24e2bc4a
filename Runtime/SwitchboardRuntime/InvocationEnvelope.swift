/// One line of the stream protocol, from the driver to the function:
///
///     {"id":"<request id>","deadlineMs":<epoch ms>,"traceId":"…","event":{…payload 2.0…}}
public struct InvocationRequest: Codable, Sendable {
    public var id: String
    public var deadlineMs: Int64?
    public var traceId: String?
    public var event: HTTPEvent

    public init(id: String, deadlineMs: Int64? = nil, traceId: String? = nil, event: HTTPEvent) {
        self.id = id
        self.deadlineMs = deadlineMs
        self.traceId = traceId
        self.event = event
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
}
