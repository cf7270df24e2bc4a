import Foundation
import HTTPDriver
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// The real `bootstrap` and real functions against `switchboard emulate`'s Runtime API.
@Suite("bootstrap on the emulated Lambda Runtime API")
struct BootstrapTests {
    /// An emulator, a bootstrap running `function` against it, and a client to invoke.
    struct Setup {
        let emulator: LocalServer
        let bootstrap: BootstrapProcess
        let client: CurlHTTPClient

        init(function: String, timeout: Double = 5, store: SeededStore? = nil, extra: [String: String] = [:]) throws {
            var environment = store?.environment ?? ["PATH": "/usr/bin:/bin"]
            environment.merge(extra) { _, new in new }
            emulator = try LocalServer(
                ["emulate", "--no-bootstrap", "--function", function, "--timeout", "\(timeout)"],
                environment: environment)
            environment["AWS_LAMBDA_RUNTIME_API"] = emulator.address
            environment["_HANDLER"] = function
            environment["LAMBDA_TASK_ROOT"] = ExampleData.binDirectory.path
            bootstrap = try BootstrapProcess(environment: environment)
            client = try CurlHTTPClient()
        }

        /// Invokes the function with `event` through the emulator: (error type or nil, body).
        func invoke(_ event: Data) throws -> (errorType: String?, body: [UInt8]) {
            let response = try client.send(
                "POST", "http://\(emulator.address)/2015-03-31/functions/function/invocations",
                body: Array(event), timeoutMilliseconds: 30_000)
            return (response.headers["x-amz-function-error"], response.body)
        }

        func invoke(path: String) throws -> (errorType: String?, body: [UInt8]) {
            try invoke(
                try JSONEncoder().encode(
                    HTTPEvent(
                        method: "GET", rawPath: path, rawQueryString: "m=\(path.dropFirst())", domainName: "fn.example")
                ))
        }

        func finish() -> String {
            emulator.stop()
            return bootstrap.stop()
        }
    }

    @Test("every example event through bootstrap → Voice → the Runtime API")
    func voiceThroughBootstrap() throws {
        let store = try SeededStore()
        let setup = try Setup(function: "Voice", store: store)
        for (name, status) in [
            ("voice-ai-agent", 200), ("voice-forward", 200), ("voice-whisper", 200), ("voice-forged-signature", 403),
            ("voice-malformed-body", 400),
        ] {
            let (errorType, body) = try setup.invoke(try ExampleData.event(name))
            #expect(errorType == nil, "\(name): \(String(decoding: body, as: UTF8.self))")
            let response = try JSONDecoder().decode(HTTPResponse.self, from: Data(body))
            #expect(response.statusCode == status, "\(name)")
            if status == 200 { #expect(try TwiMLReader.read(response.body).first?.name == "Response") }
        }
        let log = setup.finish()
        #expect(log.contains("bootstrap.ready"))
        #expect(log.contains("voice.answered"))  // the function's own logs reach the shim's stderr
        #expect(ExampleData.leakedSecrets(in: Data(log.utf8)).isEmpty)
    }

    @Test("a function that crashes: Function.Crashed, and a fresh process serves the next")
    func crash() throws {
        let setup = try Setup(function: "TestFunction")
        let firstPID = try JSONDecoder().decode(HTTPResponse.self, from: Data(try setup.invoke(path: "/pid").body)).body
        for path in ["/crash", "/exit"] {
            let (errorType, body) = try setup.invoke(path: path)
            #expect(errorType == "Function.Crashed")
            #expect(String(decoding: body, as: UTF8.self).contains("TestFunction exited mid-invocation"))
        }
        let after = try JSONDecoder().decode(HTTPResponse.self, from: Data(try setup.invoke(path: "/pid").body))
        #expect(after.statusCode == 200)
        #expect(after.body != firstPID)
        _ = setup.finish()
    }

    @Test("a function that hangs past the deadline: Function.Timeout, killed, replaced")
    func hang() throws {
        let setup = try Setup(function: "TestFunction", timeout: 1)
        let (errorType, body) = try setup.invoke(path: "/hang")
        #expect(errorType == "Function.Timeout")
        #expect(String(decoding: body, as: UTF8.self).contains("did not answer before the invocation's deadline"))
        let (nextError, nextBody) = try setup.invoke(path: "/fine")
        #expect(nextError == nil)
        #expect(try JSONDecoder().decode(HTTPResponse.self, from: Data(nextBody)).body == "ok /fine\n")
        _ = setup.finish()
    }

    @Test("a function that fails its start-up: /init/error with its message, and bootstrap exits")
    func initFailure() throws {
        let setup = try Setup(function: "TestFunction", extra: ["TEST_FUNCTION_FAIL_INIT": "1"])
        let (errorType, body) = try setup.invoke(path: "/any")
        #expect(errorType == "Runtime.InitError")
        #expect(String(decoding: body, as: UTF8.self).contains("TestFunction was told to fail its start-up"))
        #expect(setup.bootstrap.waitForExit(seconds: 10) == 1)
        _ = setup.finish()
    }

    @Test("a handler that does not exist: /init/error naming it")
    func missingHandler() throws {
        let setup = try Setup(function: "Fax")
        let (errorType, body) = try setup.invoke(path: "/any")
        #expect(errorType == "Runtime.InitError")
        #expect(String(decoding: body, as: UTF8.self).contains("Fax is missing or not executable"))
        #expect(setup.bootstrap.waitForExit(seconds: 10) == 1)
        _ = setup.finish()
    }

    @Test("1,000 invocations through one warm child: no descriptor leak, memory bounded")
    func thousandInvocations() throws {
        let setup = try Setup(function: "TestFunction")
        let pid = try JSONDecoder().decode(HTTPResponse.self, from: Data(try setup.invoke(path: "/pid").body)).body
        for _ in 0..<50 { _ = try setup.invoke(path: "/warm") }
        let descriptors = setup.bootstrap.openDescriptors
        let memory = setup.bootstrap.residentKilobytes
        for index in 0..<1_000 {
            let (errorType, body) = try setup.invoke(path: "/n\(index)")
            #expect(errorType == nil)
            if index % 100 == 0 {
                #expect(try JSONDecoder().decode(HTTPResponse.self, from: Data(body)).body == "ok /n\(index)\n")
            }
        }
        #expect(
            try JSONDecoder().decode(HTTPResponse.self, from: Data(try setup.invoke(path: "/pid").body)).body == pid)
        #expect(setup.bootstrap.openDescriptors == descriptors)
        #expect(
            setup.bootstrap.residentKilobytes - memory < 4_096,
            "bootstrap grew by \(setup.bootstrap.residentKilobytes - memory) KiB")
        _ = setup.finish()
    }

    @Test("nothing the function writes to standard error is lost")
    func standardError() throws {
        let setup = try Setup(function: "TestFunction")
        for _ in 0..<20 { _ = try setup.invoke(path: "/log") }
        _ = try setup.invoke(path: "/crash")
        let log = setup.finish()
        #expect(log.components(separatedBy: "\"test.marker\"").count - 1 == 20)
        #expect(log.contains("bootstrap.function_crashed"))
    }

    @Test("bootstrap without a Runtime API says so and exits")
    func noRuntimeAPI() throws {
        let bootstrap = try BootstrapProcess(environment: ["_HANDLER": "Voice"])
        #expect(bootstrap.waitForExit(seconds: 10) == 1)
        #expect(bootstrap.stop().contains("AWS_LAMBDA_RUNTIME_API is not set"))
    }

    @Test("bootstrap's own HTTP client reads chunked bodies, bodies in pieces, and reconnects after the API closes")
    func runtimeAPIVariants() throws {
        let api = Process()
        api.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        api.arguments = [TestPaths.packageRoot.appendingPathComponent("Tests/Support/runtime_api_variants.py").path]
        let output = Pipe()
        api.standardOutput = output
        api.standardError = FileHandle.nullDevice
        try api.run()
        defer {
            // SIGKILL: a child of the test process inherits its blocked SIGTERM.
            kill(api.processIdentifier, SIGKILL)
            api.waitUntilExit()
        }
        var lines: [String] = []
        var pending = Data()
        func nextLine() -> String? {
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending = Data(pending[pending.index(after: newline)...])
                    return line
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                pending += chunk
            }
        }
        let port = try #require(nextLine())
        let bootstrap = try BootstrapProcess(environment: [
            "PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(port)", "_HANDLER": "TestFunction",
            "LAMBDA_TASK_ROOT": ExampleData.binDirectory.path,
        ])
        for _ in 0..<3 { if let line = nextLine() { lines.append(line) } }
        _ = bootstrap.stop()
        #expect(lines.count == 3)
        for (index, path) in ["/chunked", "/closing", "/pieces"].enumerated() where index < lines.count {
            let posted = try #require(
                try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: String])
            #expect(posted["path"] == "/2018-06-01/runtime/invocation/req-\(index)/response")
            let response = try JSONDecoder().decode(HTTPResponse.self, from: Data((posted["body"] ?? "").utf8))
            #expect(response.body == "ok \(path)\n")
        }
    }
}
