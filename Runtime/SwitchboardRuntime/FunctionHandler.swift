import Logging
import SwitchboardBase
import SwitchboardJSON

/// A function's code: built once per process, then called once per event.
///
/// Construction is where connections are opened and keys read, so a warm process (stream
/// mode) pays for them once. A handler is called from one thread, one event at a time.
///
///     struct EchoHandler: FunctionHandler {
///         init(context: FunctionInitContext) throws {}
///         func handle(_ event: HTTPEvent, context: InvocationContext) throws -> HTTPResponse {
///             .text(200, event.rawPath)
///         }
///     }
///     FunctionRuntime.main(EchoHandler.self, functionName: "Echo")
public protocol FunctionHandler {
    /// Prepares the handler. Throwing here stops the process with an init error that
    /// names the problem.
    init(context: FunctionInitContext) throws

    /// Answers one event. A thrown error becomes an error envelope (a Lambda function
    /// error), so handlers turn every expected failure into an HTTP response instead.
    func handle(_ event: HTTPEvent, context: InvocationContext) throws -> HTTPResponse

    /// Answers an event that is not an HTTP request — a scheduled run from EventBridge,
    /// say. The default refuses it with a `Runtime.UnsupportedEvent` error: most
    /// functions answer HTTP only.
    func handle(other event: JSONValue, context: InvocationContext) throws -> HTTPResponse

    /// Called once when the process is about to end (standard input closed, or the
    /// one-shot event answered): the place to log what the process counted.
    func willExit()

    /// The members of each event the handler reads; the others are checked but left
    /// out of the ``HTTPEvent`` it is given. The default keeps every member.
    static var eventFields: EventFields { get }
}

extension FunctionHandler {
    public func willExit() {}

    public static var eventFields: EventFields { .all }

    public func handle(other event: JSONValue, context: InvocationContext) throws -> HTTPResponse {
        throw UnsupportedEventError()
    }
}

/// What the default ``FunctionHandler/handle(other:context:)`` throws.
struct UnsupportedEventError: Error {}

/// What a handler gets at construction.
public struct FunctionInitContext {
    /// The function's name (`Voice`, `SMS`, …).
    public let functionName: String
    /// The process environment.
    public let environment: [String: String]
    /// The process logger.
    public let logger: Logger
}

/// What a handler gets with each event.
public struct InvocationContext {
    /// The invocation's id: the Lambda request id in production.
    public let requestID: String
    /// When the invocation must be answered by, in milliseconds since 1970, if known.
    public let deadlineMilliseconds: Int64?
    /// The X-Ray trace header, if any.
    public let traceID: String?
    /// A logger whose lines carry `requestId`.
    public let logger: Logger
}
