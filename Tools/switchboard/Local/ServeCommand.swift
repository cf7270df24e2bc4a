import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard serve`: Switchboard's routes on a local HTTP server, each request
/// turned into the payload 2.0 event AWS would deliver and run by warm function
/// processes — the same process code `bootstrap` runs on Lambda.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the functions' routes over HTTP on this machine.",
        discussion: """
            Routes: POST /api/twilio/voice and /api/twilio/voice/status (Voice), POST /api/twilio/sms and \
            /api/twilio/sms/status (SMS), \
            GET /api/companies (ConfigGet), \
            GET, PUT and PATCH /api/companies/{companyId}/twilio/config (ConfigGet, ConfigPut), \
            GET /api/companies/{companyId}/calls and /messages (ConfigGet: the archive), \
            GET /api/companies/{companyId}/opt-outs (ConfigGet), \
            GET /api/companies/{companyId}/recordings/{recordingSid} and a notification's link \
            /api/recordings/{recordingSid} (ConfigGet: a recording's audio), \
            POST /api/companies/{companyId}/calls and /messages (Outbound), \
            GET /api/admin/notifications/dependency-health and GET /api/companies/{companyId}/health (Health); the admin page at \
            /admin/. Point a Twilio \
            number's voice webhook at your tunnel's https URL + /api/twilio/voice, and set \
            SWITCHBOARD_PUBLIC_URL to that https base so signatures check out. The \
            functions get this command's environment.
            """
    )

    @Option(help: "The port to listen on.")
    var port: Int = 3000

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Warm processes per function.")
    var processes: Int = 2

    @Option(help: "Each request's timeout, in seconds.")
    var timeout: Double = 10

    @Option(help: "The largest request body accepted, in bytes (Lambda's limit is 6 MB).")
    var maxBody: Int = 6 * 1024 * 1024

    @Option(help: "The admin page's folder, served at /admin/ (default: the package's Admin/).")
    var admin: String?

    func run() async throws {
        try Self.checkFunctionSettings(SwitchboardCore.Environment())
        let folder = FunctionExecutable.binFolder()
        let router = LocalRouter(
            folder: folder, processesPerFunction: processes,
            admin: AdminPages.locate(explicit: admin, executableFolder: folder))
        StopSignals.onStop(command: "serve") { router.stop() }
        let settings = LocalServerSettings(timeoutMilliseconds: Int64(timeout * 1_000), maximumBodyBytes: maxBody)
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                await router.respond(to: request, settings: settings)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "switchboard-serve"),
            onServerRunning: { _ in
                let built = LocalRouter.routes.map(\.function).filter {
                    FileManager.default.isExecutableFile(atPath: folder + "/" + $0)
                }
                FileHandle.standardError.write(
                    Data(
                        "switchboard serve: http://\(host):\(port) (functions built: \(Set(built).sorted().joined(separator: ", ")))\n"
                            .utf8))
            },
            logger: .init(label: "switchboard.serve") { LogLineHandler(label: $0, level: .warning) })
        do {
            try await app.runService(gracefulShutdownSignals: [])  // StopSignals handles them
        } catch  where Self.isAddressInUse(error) {
            router.stop()
            throw CommandFailure(
                "port \(port) on \(host) is already in use (another switchboard serve, or another server): stop it, or pass --port with a free one"
            )
        }
    }

    /// Refuses to start when the functions could not: every one opens the store and the
    /// data key at start, and without them each request would be a 502.
    static func checkFunctionSettings(_ environment: SwitchboardCore.Environment) throws {
        do {
            _ = try Settings.store(environment)
            _ = try Settings.sealer(environment)
        } catch {
            throw CommandFailure(
                "the functions cannot start: \(error). Export the settings in this terminal first (a second terminal has none of the first one's), as README's \"Try it yourself\" does"
            )
        }
    }

    /// True for the error a listener gets when its port is taken (NIO's `bind` failing
    /// with EADDRINUSE, however the server wraps it).
    static func isAddressInUse(_ error: any Error) -> Bool {
        if let failure = error as? IOError, failure.errnoCode == EADDRINUSE { return true }
        return String(describing: error).contains("Address already in use")
    }
}

struct LocalServerSettings: Sendable {
    let timeoutMilliseconds: Int64
    let maximumBodyBytes: Int
}

/// Maps requests to functions and runs them through ``FunctionPool``s.
struct LocalRouter: Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let segments: [String]
        let function: String
    }

    static let routes: [Route] = [
        Route(method: .post, segments: ["api", "twilio", "voice"], function: "Voice"),
        Route(method: .post, segments: ["api", "twilio", "sms"], function: "SMS"),
        Route(method: .post, segments: ["api", "twilio", "voice", "status"], function: "Voice"),
        Route(method: .post, segments: ["api", "twilio", "sms", "status"], function: "SMS"),
        Route(method: .get, segments: ["api", "companies"], function: "ConfigGet"),
        Route(method: .get, segments: ["api", "companies", "{companyId}", "twilio", "config"], function: "ConfigGet"),
        Route(method: .put, segments: ["api", "companies", "{companyId}", "twilio", "config"], function: "ConfigPut"),
        Route(
            method: .patch, segments: ["api", "companies", "{companyId}", "twilio", "config"], function: "ConfigPut"),
        Route(method: .get, segments: ["api", "companies", "{companyId}", "calls"], function: "ConfigGet"),
        Route(method: .get, segments: ["api", "companies", "{companyId}", "messages"], function: "ConfigGet"),
        Route(method: .get, segments: ["api", "companies", "{companyId}", "opt-outs"], function: "ConfigGet"),
        Route(
            method: .get, segments: ["api", "companies", "{companyId}", "recordings", "{recordingSid}"],
            function: "ConfigGet"),
        Route(method: .get, segments: ["api", "recordings", "{recordingSid}"], function: "ConfigGet"),
        Route(method: .post, segments: ["api", "companies", "{companyId}", "calls"], function: "Outbound"),
        Route(method: .post, segments: ["api", "companies", "{companyId}", "messages"], function: "Outbound"),
        Route(method: .get, segments: ["api", "admin", "notifications", "dependency-health"], function: "Health"),
        Route(method: .get, segments: ["api", "companies", "{companyId}", "health"], function: "Health"),
    ]

    /// Lambda's largest synchronous invocation payload, 6 MB.
    static let lambdaPayloadLimit = 6 * 1024 * 1024

    let folder: String
    let pools: [String: FunctionPool]
    let admin: AdminPages

    init(folder: String, processesPerFunction: Int, admin: AdminPages = AdminPages(folder: nil)) {
        self.folder = folder
        self.admin = admin
        var pools: [String: FunctionPool] = [:]
        for route in Self.routes where pools[route.function] == nil {
            pools[route.function] = FunctionPool(executable: folder + "/" + route.function, size: processesPerFunction)
        }
        self.pools = pools
    }

    /// Stops every warm function process.
    func stop() {
        for pool in pools.values { pool.stop() }
    }

    /// The route for `path`, its path parameters, and the methods the path allows.
    static func match(_ path: String) -> (matches: [(Route, [String: String])], allowed: [String]) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var matches: [(Route, [String: String])] = []
        for route in routes where route.segments.count == segments.count {
            var parameters: [String: String] = [:]
            var fits = true
            for (pattern, segment) in zip(route.segments, segments) {
                if pattern.hasPrefix("{") {
                    parameters[String(pattern.dropFirst().dropLast())] = segment.removingPercentEncoding ?? segment
                } else if pattern != segment {
                    fits = false
                    break
                }
            }
            if fits { matches.append((route, parameters)) }
        }
        return (matches, matches.map(\.0.method.rawValue))
    }

    func respond(to request: Request, settings: LocalServerSettings) async -> Response {
        if request.uri.path == "/admin" || request.uri.path.hasPrefix("/admin/") {
            return admin.respond(to: request)
        }
        let (matches, allowed) = Self.match(request.uri.path)
        guard !matches.isEmpty else { return Self.problem(.notFound, "NotFound", "no route for \(request.uri.path)") }
        guard let (route, parameters) = matches.first(where: { $0.0.method == request.method }) else {
            var response = Self.problem(
                .methodNotAllowed, "MethodNotAllowed",
                "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))")
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
        guard let pool = pools[route.function], pool.isBuilt else {
            return Self.problem(
                .notImplemented, "NotBuilt",
                "\(route.function) is not built yet (run `make install` again, or `swift build` in the checkout); nothing serves \(route.method.rawValue) \(request.uri.path)"
            )
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: settings.maximumBodyBytes)
        } catch {
            return Self.problem(
                .contentTooLarge, "PayloadTooLarge", "request body is larger than \(settings.maximumBodyBytes) bytes")
        }
        let requestID = UUID().uuidString.lowercased()
        let event = Self.event(for: request, body: Array(buffer: body), parameters: parameters, requestID: requestID)
        let deadline = Int64(Date().timeIntervalSince1970 * 1_000) + settings.timeoutMilliseconds
        let line = InvocationRequest(id: requestID, deadlineMs: deadline, event: event).jsonLine().dropLast()
        // Lambda refuses an invocation whose event is over 6 MB before any function runs
        // (a body near 6 MB is over it once base64-encoded); so does serve.
        guard line.count <= Self.lambdaPayloadLimit else {
            return Self.problem(
                .contentTooLarge, "PayloadTooLarge",
                "the event for this request is \(line.count) bytes; Lambda's invocation payload limit is \(Self.lambdaPayloadLimit)"
            )
        }
        switch await pool.invoke(envelope: Array(line), deadline: deadline) {
        case .reply(let reply):
            if let response = reply.response { return Self.response(from: response) }
            let error = reply.error ?? InvocationError(type: "Function.Unhandled", message: "no response")
            return Self.problem(.badGateway, error.type, error.message)
        case .timedOut:
            return Self.problem(
                .gatewayTimeout, "Function.Timeout",
                "\(route.function) did not answer within \(settings.timeoutMilliseconds) ms")
        case .crashed(let why):
            return Self.problem(.badGateway, "Function.Crashed", why)
        }
    }

    /// The payload 2.0 event AWS would deliver for `request`: form posts and other
    /// non-text bodies base64-encoded, as Function URLs do.
    static func event(for request: Request, body: [UInt8], parameters: [String: String], requestID: String) -> HTTPEvent
    {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
        }
        // HTTP/1.1's Host header arrives as the request's authority.
        if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
        // serve speaks plain HTTP: the functions rebuild `http://` URLs (a tunnel in front
        // says `https` itself, and that is kept).
        if headers["x-forwarded-proto"] == nil { headers["x-forwarded-proto"] = "http" }
        let contentType = headers["content-type"]?.lowercased() ?? ""
        let textual = contentType.hasPrefix("application/json") || contentType.hasPrefix("text/")
        var event = HTTPEvent(
            method: request.method.rawValue, rawPath: request.uri.path, rawQueryString: request.uri.query ?? "",
            headers: headers,
            body: body.isEmpty
                ? nil : (textual ? String(decoding: body, as: UTF8.self) : Data(body).base64EncodedString()),
            isBase64Encoded: !body.isEmpty && !textual,
            domainName: headers["host"], pathParameters: parameters.isEmpty ? nil : parameters, requestId: requestID)
        event.routeKey = "\(request.method.rawValue) \(request.uri.path)"
        event.requestContext.timeEpoch = Int64(Date().timeIntervalSince1970 * 1_000)
        event.requestContext.http.sourceIp = "127.0.0.1"
        event.requestContext.http.userAgent = headers["user-agent"]
        return event
    }

    static func response(from response: SwitchboardBase.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let bytes =
            response.isBase64Encoded ? Array(Data(base64Encoded: response.body) ?? Data()) : Array(response.body.utf8)
        return Response(
            status: .init(code: response.statusCode), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func problem(_ status: HTTPResponse.Status, _ type: String, _ message: String) -> Response {
        let body =
            (try? JSONSerialization.data(
                withJSONObject: ["errorType": type, "errorMessage": message], options: [.withoutEscapingSlashes]))
            ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
