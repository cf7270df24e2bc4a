import Logging
import SwitchboardJSON
import SwitchboardRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `bootstrap`: the custom runtime that runs a Switchboard function on AWS Lambda.
///
/// At init it starts the function executable named by `_HANDLER` (found in
/// `LAMBDA_TASK_ROOT`) once, in stream mode, and waits until it is ready; a missing
/// executable or a failed start-up is reported to `/runtime/init/error` naming it. Then
/// it loops on the Lambda Runtime API: `next` → one envelope to the warm function →
/// `response`, or `error` for an error reply. A function that overruns the deadline is
/// killed and reported as `Function.Timeout`; one that dies is reported as
/// `Function.Crashed`; either way a fresh process serves the next invocation, and the
/// shim never hangs. The function's standard error is the shim's, so its logs reach
/// CloudWatch.
enum LambdaShim {
    /// How long before the deadline the shim gives up on the function, so it can still
    /// report the timeout before Lambda freezes the environment.
    static let deadlineMarginMilliseconds: Int64 = 100

    /// Runs the shim and exits.
    static func main(environment: [String: String] = ProcessEnvironment.current()) -> Never {
        signal(SIGPIPE, SIG_IGN)
        let logSettings = LogSettings(environment: environment)
        var logger = Logger(label: "switchboard.bootstrap") { LogLineHandler(label: $0, settings: logSettings) }
        logger[metadataKey: "component"] = "bootstrap"

        guard let api = environment["AWS_LAMBDA_RUNTIME_API"], !api.isEmpty else {
            logger.critical(
                "bootstrap.no_runtime_api",
                metadata: [
                    "error":
                        "AWS_LAMBDA_RUNTIME_API is not set; bootstrap runs inside AWS Lambda or under `switchboard emulate`"
                ])
            exit(1)
        }
        let runtime: LambdaRuntimeAPI
        do { runtime = try LambdaRuntimeAPI(address: api) } catch {
            logger.critical("bootstrap.bad_runtime_api", metadata: ["error": "\(error)"])
            exit(1)
        }
        let handler = environment["_HANDLER"] ?? ""
        guard !handler.isEmpty, handler.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 < 0x7F }) else {
            runtime.reportInitError(
                type: "Runtime.NoSuchHandler",
                message:
                    "_HANDLER must name the function executable (Voice, SMS, ConfigGet, ConfigPut, Health or Outbound), got \"\(handler.prefix(60))\""
            )
            exit(1)
        }
        let root = environment["LAMBDA_TASK_ROOT"] ?? ProcessEnvironment.executableFolder()
        logger[metadataKey: "function"] = "\(handler)"
        var functionEnvironment = environment
        if let secretID = environment["SWITCHBOARD_SECRET_ID"], !secretID.isEmpty {
            let started = epochMilliseconds()
            do {
                let settings = try BootSecrets.fetch(secretID, for: handler, environment: environment)
                functionEnvironment.merge(settings) { _, fromSecret in fromSecret }
                logger.info(
                    "bootstrap.secrets_fetched",
                    metadata: [
                        "secret": "\(secretID)", "settings": "\(settings.keys.sorted().joined(separator: ","))",
                        "duration_ms": "\(epochMilliseconds() - started)",
                    ])
            } catch {
                logger.critical("bootstrap.secrets_failed", metadata: ["error": "\(error)"])
                runtime.reportInitError(type: "Runtime.SecretsUnavailable", message: error.description)
                exit(1)
            }
        }
        let function = FunctionProcess(executable: root + "/" + handler, environment: functionEnvironment)
        do {
            try function.start()
        } catch {
            logger.critical("bootstrap.init_failed", metadata: ["error": "\(error)"])
            runtime.reportInitError(type: "Runtime.InitError", message: error.description)
            exit(1)
        }
        logger.info("bootstrap.ready", metadata: ["executable": "\(function.executable)"])

        while true {
            let invocation: LambdaRuntimeAPI.Invocation
            do { invocation = try runtime.next() } catch {
                logger.critical("bootstrap.next_failed", metadata: ["error": "\(error)"])
                exit(1)
            }
            var invocationLogger = logger
            invocationLogger[metadataKey: "requestId"] = "\(invocation.requestID)"
            if !function.isRunning {
                do { try function.start() } catch {
                    invocationLogger.critical("bootstrap.restart_failed", metadata: ["error": "\(error)"])
                    runtime.reportError(
                        invocation.requestID, type: "Function.RestartFailed", message: error.description)
                    exit(1)
                }
            }
            let deadline = max(invocation.deadlineMilliseconds - deadlineMarginMilliseconds, epochMilliseconds() + 10)
            switch function.invoke(envelope: invocation.envelope(), deadline: deadline) {
            case .reply(let reply):
                if let response = reply.response {
                    runtime.reportResponse(invocation.requestID, body: Array(response.jsonLine().dropLast()))
                } else {
                    let error = reply.error ?? InvocationError(type: "Function.Unhandled", message: "no response")
                    runtime.reportError(invocation.requestID, type: error.type, message: error.message)
                }
            case .timedOut:
                invocationLogger.error(
                    "bootstrap.function_timeout", metadata: ["deadline_ms": "\(invocation.deadlineMilliseconds)"])
                runtime.reportError(
                    invocation.requestID, type: "Function.Timeout",
                    message:
                        "\(handler) did not answer before the invocation's deadline; it was stopped and a fresh process serves the next invocation"
                )
                restart(function, logger: invocationLogger)
            case .crashed(let why):
                invocationLogger.error("bootstrap.function_crashed", metadata: ["error": "\(why)"])
                runtime.reportError(invocation.requestID, type: "Function.Crashed", message: why)
                restart(function, logger: invocationLogger)
            }
        }
    }

    /// Starts a fresh process now, so the next invocation finds it warm; if that fails,
    /// the next invocation tries again (and reports the failure).
    private static func restart(_ function: FunctionProcess, logger: Logger) {
        do { try function.start() } catch {
            logger.error("bootstrap.restart_failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The Lambda Runtime API (2018-06-01), over a plain keep-alive connection.
struct LambdaRuntimeAPI {
    /// One invocation handed out by `next`.
    struct Invocation {
        let requestID: String
        let deadlineMilliseconds: Int64
        let traceID: String?
        let event: [UInt8]

        /// The stream-protocol line for the function: the event is passed through as it
        /// came, any raw line break (which JSON allows only between tokens) made a space,
        /// so that a fault the function finds is at the same offset in the event as sent.
        func envelope() -> [UInt8] {
            var head = "{\"id\":"
            JSONText.appendString(requestID, to: &head)
            head += ",\"deadlineMs\":\(deadlineMilliseconds)"
            if let traceID {
                head += ",\"traceId\":"
                JSONText.appendString(traceID, to: &head)
            }
            head += ",\"event\":"
            return Array(head.utf8) + event.map { $0 == 0x0A || $0 == 0x0D ? UInt8(ascii: " ") : $0 } + [
                UInt8(ascii: "}")
            ]
        }
    }

    private let base = "/2018-06-01/runtime"
    private let connection: RuntimeAPIConnection

    init(address: String) throws(ShimError) {
        connection = try RuntimeAPIConnection(address: address)
    }

    /// Waits (without a timeout, as the API asks) for the next invocation.
    func next() throws(ShimError) -> Invocation {
        let response: RuntimeAPIConnection.Response
        do { response = try connection.send("GET", base + "/invocation/next") } catch {
            throw ShimError("next: \(error)")
        }
        guard response.status == 200 else { throw ShimError("next answered HTTP \(response.status)") }
        guard let id = response.headers["lambda-runtime-aws-request-id"], !id.isEmpty else {
            throw ShimError("next gave no Lambda-Runtime-Aws-Request-Id")
        }
        let deadline =
            response.headers["lambda-runtime-deadline-ms"].flatMap { Int64($0) } ?? epochMilliseconds() + 3_000
        return Invocation(
            requestID: id, deadlineMilliseconds: deadline, traceID: response.headers["lambda-runtime-trace-id"],
            event: response.body)
    }

    func reportResponse(_ requestID: String, body: [UInt8]) {
        post("/invocation/\(requestID)/response", body: body, headers: [("Content-Type", "application/json")])
    }

    func reportError(_ requestID: String, type: String, message: String) {
        post(
            "/invocation/\(requestID)/error", body: Self.errorBody(type, message),
            headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", type)])
    }

    func reportInitError(type: String, message: String) {
        post(
            "/init/error", body: Self.errorBody(type, message),
            headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", type)])
    }

    private func post(_ path: String, body: [UInt8], headers: [(String, String)]) {
        guard
            let response = try? connection.send(
                "POST", base + path, headers: headers, body: body, timeoutMilliseconds: 10_000)
        else { return }
        // 500 means "non-recoverable: the runtime should exit promptly".
        if response.status >= 500 { exit(1) }
    }

    private static func errorBody(_ type: String, _ message: String) -> [UInt8] {
        var text = "{\"errorType\":"
        JSONText.appendString(type, to: &text)
        text += ",\"errorMessage\":"
        JSONText.appendString(message, to: &text)
        return Array((text + "}").utf8)
    }
}

/// A failure talking to the Runtime API.
struct ShimError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
