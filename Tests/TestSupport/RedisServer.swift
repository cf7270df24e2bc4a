import Foundation

/// A private `redis-server` for one test: its own free port on 127.0.0.1, no
/// persistence, stopped when the test is done. Tests that kill, pause or restart Redis
/// do it to their own server.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    private var process: Process?

    /// `redis://127.0.0.1:<port>`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts a server and waits until it answers PING.
    public init() throws {
        port = try Self.freePort()
        try start()
    }

    deinit {
        stop()
    }

    /// Starts the server (again) on the same port.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable("redis-server"))
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
        ]
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

    /// Runs `redis-cli` against the server and returns its output, trimmed.
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(
            try Self.executable("redis-cli"), ["-p", "\(port)", "--raw"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `redis-cli MONITOR` until `body` returns, then gives back every command
    /// clients sent meanwhile (not those a script ran), as lines.
    public func monitor(_ body: () throws -> Void) throws -> [String] {
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: try Self.executable("redis-cli"))
        monitor.arguments = ["-p", "\(port)", "MONITOR"]
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
        for folder in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
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
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
