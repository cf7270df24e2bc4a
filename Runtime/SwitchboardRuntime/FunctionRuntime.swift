import Logging
import SwitchboardBase
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a function executable: builds its handler once, then answers events over
/// standard input and output in one of two modes.
///
/// - **One-shot** (the default, how a person runs it): standard input holds one payload
///   2.0 event; standard output gets one response JSON; the exit status is 0.
///   `Voice < Examples/events/voice-forward.json`.
/// - **Stream** (`--stream`, or `SWITCHBOARD_STDIO=stream`; how `bootstrap` and
///   `switchboard serve` drive it): one ``InvocationRequest`` per line in, one
///   ``InvocationReply`` per line out, in order, written as soon as it is ready. A
///   malformed line gets an error reply and the next line is served. The process stays
///   up until standard input closes. With `--ready` as well, the process first writes
///   one `{"ready":"<function>"}` line once its handler is built, so a driver knows
///   start-up succeeded before it sends work.
///
/// Standard output carries the protocol only; logs are JSON lines on standard error.
/// When the handler cannot be built, one `Function.InitError` reply is written and the
/// process exits with status 1.
public enum FunctionRuntime {
    /// The largest event or envelope accepted: Lambda's 6 MB payload, with room for
    /// the envelope and JSON escaping.
    public static let maximumInputBytes = 8 * 1024 * 1024

    /// Runs `handlerType` as function `functionName` and exits.
    public static func main<Handler: FunctionHandler>(
        _ handlerType: Handler.Type,
        functionName: String,
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessEnvironment.current()
    ) -> Never {
        signal(SIGPIPE, SIG_IGN)
        let logSettings: LogSettings
        let streamByEnvironment: Bool
        do {
            logSettings = try LogSettings.checked(environment: environment)
            streamByEnvironment = try stdioMode(environment)
        } catch {
            RawOutput.write(Array("\(functionName): \(error)\n".utf8), to: 2)
            writeReply(InvocationReply(id: nil, error: .initFailed("\(functionName) could not start: \(error)")))
            exit(1)
        }
        // The handler's logger, and every logger made from it (the drivers' too), writes
        // JSON lines to standard error: standard output carries the protocol only. The
        // process's LoggingSystem is left alone: bootstrapping it costs a one-shot some
        // 18,000 instructions.
        var logger = Logger(label: "switchboard.\(functionName)") { label in
            LogLineHandler(label: label, settings: logSettings)
        }
        logger[metadataKey: "function"] = "\(functionName)"

        let options = arguments.dropFirst()
        if options.contains("--help") || options.contains("-h") {
            let usage = """
                usage: \(functionName) [--stream [--ready]] < input
                  one-shot (default): reads one payload 2.0 event, writes one response JSON
                  --stream: one {"id","deadlineMs","event"} envelope per line in, one reply per line out
                  --ready:  in stream mode, first write {"ready":"\(functionName)"} once started
                """
            RawOutput.write(Array((usage + "\n").utf8), to: 1)
            exit(0)
        }
        if let unknown = options.first(where: { $0 != "--stream" && $0 != "--ready" }) {
            RawOutput.write(Array("\(functionName): unknown option \(unknown); try --help\n".utf8), to: 2)
            exit(64)
        }
        let stream = options.contains("--stream") || streamByEnvironment

        let handler: Handler
        do {
            handler = try Handler(
                context: FunctionInitContext(functionName: functionName, environment: environment, logger: logger))
        } catch {
            logger.critical("function.init_failed", metadata: ["error": "\(error)"])
            writeReply(InvocationReply(id: nil, error: .initFailed("\(functionName) could not start: \(error)")))
            exit(1)
        }

        var input = LineReader(descriptor: 0, maximumLineBytes: maximumInputBytes)
        if stream {
            if options.contains("--ready") {
                var line = "{\"ready\":"
                JSONText.appendString(functionName, to: &line)
                RawOutput.write(Array((line + "}\n").utf8), to: 1)
            }
            serveStream(handler, input: &input, logger: logger)
            handler.willExit()
            exit(0)
        }
        let status = serveOneShot(handler, input: &input, logger: logger)
        handler.willExit()
        exit(status)
    }

    /// Whether `SWITCHBOARD_STDIO` asks for stream mode (`stream`) rather than one-shot
    /// (unset, empty or `one-shot`).
    static func stdioMode(_ environment: [String: String]) throws(ConfigurationError) -> Bool {
        switch environment["SWITCHBOARD_STDIO"] {
        case nil, "", "one-shot": return false
        case "stream": return true
        default: throw ConfigurationError(variable: "SWITCHBOARD_STDIO", problem: "must be stream or one-shot")
        }
    }

    /// Answers one event read whole from `input`; returns the exit status.
    static func serveOneShot<Handler: FunctionHandler>(_ handler: Handler, input: inout LineReader, logger: Logger)
        -> Int32
    {
        guard let bytes = input.readAll(limit: maximumInputBytes) else {
            writeReply(InvocationReply(id: nil, error: .tooLarge(maximumInputBytes)))
            return 1
        }
        let payload: InvocationRequest.Payload
        do {
            payload = try InvocationRequest.Payload(parsing: bytes, fields: Handler.eventFields)
        } catch {
            writeReply(
                InvocationReply(id: nil, error: .invalidEvent("standard input is not a payload 2.0 event: \(error)")))
            return 1
        }
        var requestID = "local"
        if case .http(let event) = payload { requestID = event.requestContext.requestId ?? requestID }
        let reply = invoke(handler, payload: payload, requestID: requestID, deadline: nil, traceID: nil, logger: logger)
        guard let response = reply.response else {
            writeReply(reply)
            return 1
        }
        RawOutput.write(response.jsonLine(), to: 1)
        return 0
    }

    /// Answers envelopes line by line until `input` ends.
    static func serveStream<Handler: FunctionHandler>(_ handler: Handler, input: inout LineReader, logger: Logger) {
        while let line = input.next() {
            let reply: InvocationReply
            switch line {
            case .timedOut:
                continue  // no deadline is given here, so this does not happen
            case .tooLong:
                reply = InvocationReply(id: nil, error: .tooLarge(maximumInputBytes))
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do {
                    let request = try InvocationRequest(parsing: bytes, fields: Handler.eventFields)
                    reply = invoke(
                        handler, payload: request.payload, requestID: request.id,
                        deadline: request.deadlineMs, traceID: request.traceId, logger: logger)
                } catch {
                    reply = InvocationReply(
                        id: InvocationRequest.id(in: bytes),
                        error: .invalidEnvelope("line is not an invocation envelope: \(error)"))
                }
            }
            guard writeReply(reply) else { return }
        }
    }

    static func invoke<Handler: FunctionHandler>(
        _ handler: Handler, payload: InvocationRequest.Payload, requestID: String, deadline: Int64?, traceID: String?,
        logger: Logger
    ) -> InvocationReply {
        var invocationLogger = logger
        invocationLogger[metadataKey: "requestId"] = .string(requestID)
        let context = InvocationContext(
            requestID: requestID, deadlineMilliseconds: deadline, traceID: traceID, logger: invocationLogger)
        do {
            switch payload {
            case .http(let event):
                return InvocationReply(id: requestID, response: try handler.handle(event, context: context))
            case .other(let event):
                return InvocationReply(id: requestID, response: try handler.handle(other: event, context: context))
            }
        } catch is UnsupportedEventError {
            let name = (logger[metadataKey: "function"]).map { "\($0)" } ?? "this function"
            invocationLogger.notice("function.unsupported_event", metadata: [:])
            return InvocationReply(id: requestID, error: .unsupportedEvent(name))
        } catch {
            invocationLogger.error("function.unhandled_error", metadata: ["error": "\(error)"])
            return InvocationReply(id: requestID, error: .unhandled("\(error)"))
        }
    }

    @discardableResult
    static func writeReply(_ reply: InvocationReply) -> Bool {
        RawOutput.write(reply.jsonLine(), to: 1)
    }
}
