import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchboardRuntime
import Synchronization

/// `switchboard emulate`: the Lambda Runtime API on this machine, so the real
/// `bootstrap` and the real function run end to end here.
struct EmulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve the Lambda Runtime API locally and run bootstrap against it.",
        discussion: """
            Serves the Runtime API's four endpoints (invocation/next, …/response, …/error, \
            init/error) on 127.0.0.1:<port>, and starts bootstrap with \
            AWS_LAMBDA_RUNTIME_API pointing at it (unless --no-bootstrap). Invoke with \
            the Runtime Interface Emulator's endpoint:
              curl -d @Examples/events/voice-ai-agent.json \
            http://127.0.0.1:9001/2015-03-31/functions/function/invocations
            The answer is the function's response JSON; a function error is answered \
            with its error JSON and an X-Amz-Function-Error header.
            """
    )

    @Option(help: "The function bootstrap runs (its _HANDLER).")
    var function: String = "Voice"

    @Option(help: "The port to listen on, on 127.0.0.1.")
    var port: Int = 9001

    @Option(help: "Each invocation's timeout, in seconds (Lambda's function timeout).")
    var timeout: Double = 10

    @Flag(help: "Serve the API only; start bootstrap yourself with AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>.")
    var noBootstrap = false

    @Option(help: "Where bootstrap and the function executables are (default: beside this command).")
    var taskRoot: String?

    func run() async throws {
        let emulator = RuntimeAPIEmulator(functionName: function, timeoutMilliseconds: Int64(timeout * 1_000))
        let folder = taskRoot ?? FunctionExecutable.binFolder()
        if !noBootstrap, !FileManager.default.isExecutableFile(atPath: folder + "/bootstrap") {
            throw CommandFailure(
                "bootstrap is not in \(folder): run `make install` again, or `swift build` in the checkout for its .build"
            )
        }
        // bootstrap starts once the API listens (its first `next` must find it), and
        // stops with this command: graceful shutdown would wait for its long-polling
        // `next` forever.
        let bootstrap = Mutex<ChildProcessGroup?>(nil)
        defer { bootstrap.withLock { $0?.stop() } }
        StopSignals.onStop(command: "emulate") { bootstrap.withLock { $0?.stop() } }
        let environment = bootstrapEnvironment(folder: folder)
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                try await Self.respond(to: request, emulator: emulator)
            },
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "switchboard-emulate"),
            onServerRunning: { [noBootstrap, function, port] _ in
                FileHandle.standardError.write(
                    Data("switchboard emulate: Runtime API for \(function) on 127.0.0.1:\(port)\n".utf8))
                guard !noBootstrap else { return }
                do {
                    let started = try ChildProcessGroup(executable: folder + "/bootstrap", environment: environment)
                    bootstrap.withLock { $0 = started }
                } catch {
                    FileHandle.standardError.write(Data("switchboard emulate: \(error)\n".utf8))
                }
            },
            logger: .init(label: "switchboard.emulate") { LogLineHandler(label: $0, level: .warning) })
        try await app.runService(gracefulShutdownSignals: [])  // StopSignals handles them
    }

    /// bootstrap's environment: this command's, pointed at the emulated API.
    private func bootstrapEnvironment(folder: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(port)"
        environment["_HANDLER"] = function
        environment["LAMBDA_TASK_ROOT"] = folder
        return environment
    }

    static let prefix = "/2018-06-01/runtime"

    static func respond(to request: Request, emulator: RuntimeAPIEmulator) async throws -> Response {
        var request = request
        let path = request.uri.path
        let method = request.method
        if method == .get && path == prefix + "/invocation/next" {
            let invocation = await emulator.next()
            var headers = HTTPFields()
            headers[HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!] = invocation.id
            headers[HTTPField.Name("Lambda-Runtime-Deadline-Ms")!] = String(invocation.deadlineMilliseconds)
            headers[HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!] =
                "arn:aws:lambda:local:000000000000:function:\(emulator.functionName)"
            headers[HTTPField.Name("Lambda-Runtime-Trace-Id")!] = invocation.traceID
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: invocation.event)))
        }
        if method == .post && path == "/2015-03-31/functions/function/invocations" {
            let body = Array(buffer: try await request.collectBody(upTo: 6 * 1024 * 1024))
            switch await emulator.invoke(body) {
            case .response(let bytes):
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .error(let type, let bytes):
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[HTTPField.Name("X-Amz-Function-Error")!] = type
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .initError(let bytes):
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[HTTPField.Name("X-Amz-Function-Error")!] = "Runtime.InitError"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .noAnswer:
                return Response(
                    status: .gatewayTimeout, headers: [.contentType: "application/json"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string:
                                #"{"errorType":"Emulator.NoAnswer","errorMessage":"the runtime did not answer before the deadline"}"#
                        )))
            }
        }
        if method == .post && path == prefix + "/init/error" {
            await emulator.failInit(Array(buffer: try await request.collectBody(upTo: 1024 * 1024)))
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        // 2018-06-01 / runtime / invocation / <id> / response|error
        if method == .post, parts.count == 5, parts[0] == "2018-06-01", parts[1] == "runtime", parts[2] == "invocation"
        {
            let id = String(parts[3])
            let body = Array(buffer: try await request.collectBody(upTo: 6 * 1024 * 1024))
            let finished: Bool
            switch parts[4] {
            case "response":
                finished = await emulator.finish(id, with: .response(body))
            case "error":
                let type = request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!] ?? "Unhandled"
                finished = await emulator.finish(id, with: .error(type: type, body: body))
            default:
                return Response(status: .notFound)
            }
            guard finished else {
                return Response(
                    status: .badRequest, headers: [.contentType: "application/json"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string: #"{"errorType":"InvalidRequestID","errorMessage":"no such invocation is waiting"}"#)
                    ))
            }
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
        }
        return Response(
            status: .notFound, headers: [.contentType: "application/json"],
            body: .init(
                byteBuffer: ByteBuffer(string: #"{"errorType":"NotFound","errorMessage":"not a Runtime API endpoint"}"#)
            ))
    }
}
