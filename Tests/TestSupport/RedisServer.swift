import Foundation

/// How a test's `redis-server` is reached: plain TCP, or TLS only (its `--tls-port`,
/// with a certificate the tests made, and no plaintext port at all).
public enum RedisTransport: String, Sendable, CaseIterable, CustomStringConvertible {
    case plain, tls
    public var description: String { rawValue }
}

/// A private `redis-server` for one test: its own free port on 127.0.0.1, no
/// persistence, stopped when the test is done. Tests that kill, pause or restart Redis
/// do it to their own server.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    public let transport: RedisTransport
    /// The server certificate it presents over TLS (a name TestCertificates makes).
    public let certificate: String
    private var process: Process?

    /// `redis://127.0.0.1:<port>`, or over TLS `rediss://localhost:<port>` (the name its
    /// certificate carries).
    public var url: String { transport == .tls ? "rediss://localhost:\(port)" : "redis://127.0.0.1:\(port)" }

    /// What a function needs to reach it: `REDIS_URL`, and over TLS the authority that
    /// signed its certificate (`SWITCHBOARD_REDIS_CA_FILE`).
    public var environment: [String: String] { environment(user: nil, password: nil) }

    /// ``environment``, logging in as `user` with `password`.
    public func environment(user: String?, password: String?) -> [String: String] {
        let login = password.map { (user ?? "") + ":" + $0 + "@" } ?? ""
        let address = transport == .tls ? "rediss://\(login)localhost:\(port)" : "redis://\(login)127.0.0.1:\(port)"
        var settings = ["REDIS_URL": address]
        if transport == .tls { settings["SWITCHBOARD_REDIS_CA_FILE"] = TestCertificates.shared.path("ca.pem") }
        return settings
    }

    /// Starts a server and waits until it answers PING.
    ///
    /// - Parameters:
    ///   - transport: plain TCP, or TLS only.
    ///   - certificate: over TLS, the server certificate to present (`server`, `expired`,
    ///     `wrong-host`, as ``TestCertificates`` names them).
    public init(_ transport: RedisTransport = .plain, certificate: String = "server") throws {
        port = try Self.freePort()
        self.transport = transport
        self.certificate = certificate
        try start()
    }

    deinit {
        stop()
    }

    /// Starts the server (again) on the same port.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable("redis-server"))
        process.arguments =
            [
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode",
                "yes", "--loglevel", "warning",
            ] + listening
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if (try? cli(["PING"])) == "PONG" { return }
            usleep(25_000)
        }
        throw TestSetupError("redis-server did not answer on port \(port)")
    }

    /// Stops the server and waits for it to exit.
    public func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL: a child started from a test thread may inherit a mask that blocks
        // SIGTERM, and there is nothing to save (no persistence).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    public func pause() {
        if let process { kill(process.processIdentifier, SIGSTOP) }
    }

    /// Thaws a paused server.
    public func resume() {
        if let process { kill(process.processIdentifier, SIGCONT) }
    }

    /// The server's listening arguments: a plain port, or a TLS port only.
    private var listening: [String] {
        guard transport == .tls else { return ["--port", "\(port)"] }
        let certificates = TestCertificates.shared
        return [
            "--port", "0", "--tls-port", "\(port)", "--tls-cert-file", certificates.path(certificate + ".pem"),
            "--tls-key-file", certificates.path(certificate + ".key"), "--tls-ca-cert-file",
            certificates.path("ca.pem"),
            "--tls-auth-clients", "no",
        ]
    }

    /// How `redis-cli` reaches the server.
    private var cliConnection: [String] {
        guard transport == .tls else { return ["-p", "\(port)"] }
        return ["--tls", "--insecure", "-h", "127.0.0.1", "-p", "\(port)"]
    }

    /// Runs `redis-cli` against the server and returns its output, trimmed.
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(
            try Self.executable("redis-cli"), cliConnection + ["--raw"] + arguments,
            environment: ["PATH": "/usr/bin:/bin"])
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `redis-cli MONITOR` until `body` returns, then gives back every command
    /// clients sent meanwhile (not those a script ran), as lines.
    public func monitor(_ body: () throws -> Void) throws -> [String] {
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: try Self.executable("redis-cli"))
        monitor.arguments = cliConnection + ["MONITOR"]
        let output = Pipe()
        monitor.standardOutput = output
        try monitor.run()
        let box = DataBox()
        let reader = DispatchGroup()
        DispatchQueue.global().async(group: reader) { box.data = output.fileHandleForReading.readDataToEndOfFile() }
        usleep(200_000)  // MONITOR answers OK before it streams
        try body()
        usleep(200_000)
        kill(monitor.processIdentifier, SIGKILL)  // SIGTERM may be masked; see stop()
        monitor.waitUntilExit()
        reader.wait()
        return String(decoding: box.data, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains("[") && !$0.contains(" lua]") }
    }

    static func executable(_ name: String) throws -> String {
        for folder in ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw TestSetupError("\(name) is not installed: run `make test`, which installs redis-server")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSetupError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The certificates the TLS tests use, made once per test run by
/// Tests/Support/make_certificates.py (the `cryptography` package): `ca.pem`,
/// `other-ca.pem`, and `server`, `expired` and `wrong-host` (`.pem` and `.key`).
public final class TestCertificates: Sendable {
    public static let shared: TestCertificates = {
        do { return try TestCertificates() } catch { fatalError("cannot make the test certificates: \(error)") }
    }()

    public let folder: String

    private init() throws {
        folder = try TestPaths.temporaryFolder().appendingPathComponent("certificates").path
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/make_certificates.py").path
        let result = try ProcessRunner.run(
            try TestPaths.python(), [script, folder], environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw TestSetupError("make_certificates.py failed: \(result.stderrText)") }
    }

    /// The file `name` in the folder.
    public func path(_ name: String) -> String { folder + "/" + name }
}
