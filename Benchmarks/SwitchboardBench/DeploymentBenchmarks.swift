import Dispatch
import FoundationEssentials
import HTTPDriver
import SwitchboardJSON
import SwitchboardRuntime

#if canImport(Glibc)
import Glibc
#endif

/// W2: `wrk` posting signed Voice webhooks to `switchboard serve` over keep-alive
/// connections, at 2 and 16 connections.
func serveBenchmark(_ options: Options, environment: [String: String], eventFile: String) throws {
    guard access("/usr/bin/wrk", X_OK) == 0 else { throw BenchError("wrk is not installed (make bench installs it)") }
    let event = try JSONValue(parsing: try readFile(eventFile))
    guard case .string(let body64)? = event["body"], let body = Data(base64Encoded: body64),
        case .string(let signature)? = event["headers"]?["x-twilio-signature"],
        case .string(let host)? = event["requestContext"]?["domainName"]
    else {
        throw BenchError("\(eventFile) is not a signed, base64-bodied example event")
    }
    var serveEnvironment = environment
    serveEnvironment["SWITCHBOARD_PUBLIC_URL"] = "https://\(host)"
    serveEnvironment["LOG_LEVEL"] = "warning"
    let port = try freePort()
    let server = try ChildProcess(
        path: options.bin + "/switchboard", arguments: ["serve", "--port", "\(port)", "--processes", "2"],
        environment: serveEnvironment)
    defer {
        kill(server.pid, SIGKILL)
        server.finish()
    }
    let client = try CurlHTTPClient()
    try waitUntilListening(port: port, client: client, name: "switchboard serve")

    func luaString(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
    let script = "/tmp/switchboard-bench-wrk-\(getpid()).lua"
    let lua = """
        wrk.method = "POST"
        wrk.body = \(luaString(String(decoding: body, as: UTF8.self)))
        wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
        wrk.headers["X-Twilio-Signature"] = \(luaString(signature))
        response = function(status, headers, body)
          if status ~= 200 then wrk.thread:stop() end
        end
        """
    let descriptor = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = Array(lua.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
    defer { unlink(script) }

    // Check the answer once: a signed webhook gets TwiML.
    let check = try client.send(
        "POST", "http://127.0.0.1:\(port)/api/twilio/voice",
        headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature],
        body: Array(body), timeoutMilliseconds: 5_000)
    guard check.status == 200 else { throw BenchError("serve answered \(check.status) to a signed webhook") }

    print("W2 wrk → switchboard serve → Voice (2 warm processes), keep-alive, 10 s each:")
    for connections in [2, 16] {
        let run = try ChildProcess(
            path: "/usr/bin/wrk",
            arguments: [
                "-t", "2", "-c", "\(connections)", "-d", "10s", "--latency", "-s", script,
                "http://127.0.0.1:\(port)/api/twilio/voice",
            ],
            environment: [:])
        var reader = ReplyReader(descriptor: run.stdout)
        var lines: [String] = []
        while let line = reader.next() { lines.append(String(decoding: line, as: UTF8.self)) }
        run.finish()
        func field(_ prefix: String) -> String {
            lines.first { $0.trimmingPrefix(while: { $0 == " " || $0 == "\t" }).hasPrefix(prefix) }.map {
                $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? "?"
            } ?? "?"
        }
        let errors = lines.first { $0.contains("Non-2xx") || $0.contains("Socket errors") } ?? "no errors"
        print(
            "   \(connections) connections: \(field("Requests/sec:")) req/s, p50 \(field("50%")), p99 \(field("99%")) (\(errors.trimmingPrefix(while: { $0 == " " })))"
        )
    }
}

/// The cold path: `bootstrap` + Voice from process start to the first response posted
/// to the emulated Runtime API.
func coldStartBenchmark(
    _ options: Options, environment: [String: String], eventFile: String, runs: Int, label: String = ""
) throws {
    var emulatorEnvironment = environment
    emulatorEnvironment["LOG_LEVEL"] = "warning"
    let port = try freePort()
    let emulator = try ChildProcess(
        path: options.bin + "/switchboard",
        arguments: ["emulate", "--no-bootstrap", "--port", "\(port)", "--function", "Voice"],
        environment: emulatorEnvironment)
    defer {
        kill(emulator.pid, SIGKILL)
        emulator.finish()
    }
    try waitUntilListening(port: port, client: try CurlHTTPClient(), name: "switchboard emulate")
    let event = try readFile(eventFile)
    var bootstrapEnvironment = environment
    bootstrapEnvironment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(port)"
    bootstrapEnvironment["_HANDLER"] = "Voice"
    bootstrapEnvironment["LAMBDA_TASK_ROOT"] = options.bin

    var samples: [UInt64] = []
    for _ in 0..<(runs + 5) {
        // Queue the invocation first, so it is waiting when bootstrap asks for work.
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        DispatchQueue.global().async {
            let client = try? CurlHTTPClient()
            result.status =
                (try? client?.send(
                    "POST", "http://127.0.0.1:\(port)/2015-03-31/functions/function/invocations", body: event,
                    timeoutMilliseconds: 30_000))?.status ?? -1
            result.finished = monotonicNanoseconds()
            done.signal()
        }
        usleep(20_000)
        let start = monotonicNanoseconds()
        let bootstrap = try ChildProcess(
            path: options.bin + "/bootstrap", arguments: [], environment: bootstrapEnvironment)
        done.wait()
        guard result.status == 200 else { throw BenchError("the cold invocation failed (\(result.status))") }
        samples.append(result.finished - start)
        kill(bootstrap.pid, SIGKILL)
        bootstrap.finish()
        usleep(20_000)
    }
    samples = Array(samples.dropFirst(5)).sorted()
    print("Cold path: bootstrap + Voice\(label), process start → first response at the Runtime API, \(runs) runs:")
    print("   \(milliseconds(samples))")
}

/// The cost of fetching the settings from Secrets Manager at start, against moto's server
/// on this machine (the work is one signed request; in AWS, one in-region round trip):
/// the fetch alone, then the cold path with it.
func secretsBenchmark(_ options: Options, environment: [String: String], eventFile: String) throws {
    guard let python = options.python else {
        print("Secrets Manager fetch: skipped (pass --python with the test venv's, which has moto)")
        return
    }
    let port = try freePort()
    let motoServer = String(python.dropLast("python".count)) + "moto_server"
    let moto = try ChildProcess(
        path: motoServer, arguments: ["-H", "127.0.0.1", "-p", "\(port)"],
        environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp"])
    defer {
        kill(moto.pid, SIGKILL)
        moto.finish()
    }
    let client = try CurlHTTPClient()
    for _ in 0..<300 {
        if (try? client.send("GET", "http://127.0.0.1:\(port)/moto-api/", timeoutMilliseconds: 300)) != nil { break }
        usleep(50_000)
    }
    var settings = "{"
    for (index, name) in ["SWITCHBOARD_DATA_KEY", "SWITCHBOARD_STORE"].enumerated() {
        if index > 0 { settings += "," }
        JSONText.appendString(name, to: &settings)
        settings += ":"
        JSONText.appendString(environment[name] ?? "", to: &settings)
    }
    settings += "}"
    let create = try ChildProcess(
        path: python,
        arguments: [
            "-c",
            "import boto3, sys; boto3.client('secretsmanager', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='bench', aws_secret_access_key='bench').create_secret(Name='switchboard/bench', SecretString=sys.argv[2])",
            "http://127.0.0.1:\(port)", settings,
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp"])
    guard create.finish() == 0 else { throw BenchError("the bench's secret could not be created in moto") }

    let signing = AWSSigningCredentials(
        region: "us-east-1", service: "secretsmanager", accessKeyID: "bench", secretAccessKey: "bench")
    var fetches: [UInt64] = []
    for _ in 0..<220 {
        let fetcher = try CurlHTTPClient()  // a new connection each time, as at a cold start
        let start = monotonicNanoseconds()
        let response = try fetcher.send(
            "POST", "http://127.0.0.1:\(port)/",
            headers: ["X-Amz-Target": "secretsmanager.GetSecretValue", "Content-Type": "application/x-amz-json-1.1"],
            body: Array(#"{"SecretId":"switchboard/bench"}"#.utf8), timeoutMilliseconds: 5_000, signing: signing)
        guard response.status == 200 else { throw BenchError("GetSecretValue answered \(response.status)") }
        fetches.append(monotonicNanoseconds() - start)
    }
    fetches = Array(fetches.dropFirst(20)).sorted()
    print("Secrets Manager GetSecretValue (one signed request to moto on loopback, a new connection each), 200 runs:")
    print("   \(milliseconds(fetches))")

    var lambda = environment
    lambda["SWITCHBOARD_DATA_KEY"] = nil
    lambda["SWITCHBOARD_STORE"] = nil
    lambda["SWITCHBOARD_SECRET_ID"] = "switchboard/bench"
    lambda["SWITCHBOARD_SECRETS_ENDPOINT"] = "http://127.0.0.1:\(port)"
    lambda["AWS_REGION"] = "us-east-1"
    lambda["AWS_ACCESS_KEY_ID"] = "bench"
    lambda["AWS_SECRET_ACCESS_KEY"] = "bench"
    try coldStartBenchmark(
        options, environment: lambda, eventFile: eventFile, runs: options.coldRuns,
        label: " with the secret fetched at start")
}

final class ResultBox: @unchecked Sendable {
    var status = 0
    var finished: UInt64 = 0
}

/// Waits until something accepts HTTP on 127.0.0.1:`port`.
func waitUntilListening(port: Int, client: CurlHTTPClient, name: String) throws {
    for _ in 0..<200 {
        if (try? client.send("GET", "http://127.0.0.1:\(port)/", timeoutMilliseconds: 200)) != nil { return }
        usleep(25_000)
    }
    throw BenchError("\(name) did not start")
}
