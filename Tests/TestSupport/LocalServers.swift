import Foundation
import HTTPDriver

/// A child process whose standard error is collected, and which is killed for certain
/// when the test is done with it.
public final class SupervisedProcess: @unchecked Sendable {
    public let process = Process()
    private let errors = Pipe()
    private let errorBox = DataBox()
    private let reader = DispatchGroup()

    /// Starts `executable` with `arguments` and exactly `environment`.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]) throws {
        _ = ignoreBrokenPipes
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let handle = errors.fileHandleForReading
        let box = errorBox
        DispatchQueue.global().async(group: reader) { box.data = handle.readDataToEndOfFile() }
    }

    /// Waits up to `seconds` for the process to exit by itself; its exit status, or nil.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the process (SIGKILL: a child started from a test thread may have SIGTERM
    /// blocked) and returns what it wrote to standard error.
    @discardableResult
    public func stop() -> String {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        reader.wait()
        return String(decoding: errorBox.data, as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// `switchboard emulate` or `switchboard serve` running for one test.
public final class LocalServer: @unchecked Sendable {
    public let port: Int
    private let child: SupervisedProcess

    /// Starts `switchboard <arguments> --port <port>` (a free one unless `chosen`) and
    /// waits until it accepts connections.
    public init(_ arguments: [String], environment: [String: String], port chosen: Int? = nil) throws {
        port = try chosen ?? RedisServer.freePort()
        child = try SupervisedProcess(
            ExampleData.executable("switchboard"), arguments + ["--port", "\(port)"], environment: environment)
        let client = try CurlHTTPClient()
        for _ in 0..<400 {
            if (try? client.send("GET", "http://127.0.0.1:\(port)/", timeoutMilliseconds: 200)) != nil { return }
            usleep(25_000)
        }
        throw TestSetupError("switchboard \(arguments.first ?? "") did not start listening on \(port)")
    }

    /// `host:port`, as AWS_LAMBDA_RUNTIME_API holds it.
    public var address: String { "127.0.0.1:\(port)" }

    /// Stops the server and returns what it wrote to standard error.
    @discardableResult
    public func stop() -> String { child.stop() }

    /// The server's process id.
    public var processIdentifier: Int32 { child.process.processIdentifier }

    /// Waits up to `seconds` for the server to exit by itself; its exit status, or nil.
    public func waitForExit(seconds: Double) -> Int32? { child.waitForExit(seconds: seconds) }
}

/// The processes on this machine, read from /proc.
public enum ProcessTable {
    /// The live (not zombie) descendants of `pid`: its children, theirs, and so on.
    public static func descendants(of pid: Int32) -> Set<Int32> {
        var children: [Int32: [Int32]] = [:]
        for (child, parent) in parents() { children[parent, default: []].append(child) }
        var found = Set<Int32>()
        var queue = [pid]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where found.insert(child).inserted { queue.append(child) }
        }
        return found
    }

    /// Whether `pid` is a live process (a zombie, dead but not yet reaped, is not).
    public static func isLive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first.map { $0 != "Z" && $0 != "X" } ?? false
    }

    /// The command name of `pid` (as `ps -o comm` shows it).
    public static func name(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    private static func parents() -> [(Int32, Int32)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), isLive(pid),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let parent = Int32(fields[1]) else { return nil }
            return (pid, parent)
        }
    }
}

/// `bootstrap` running for one test, against a Runtime API.
public final class BootstrapProcess: @unchecked Sendable {
    private let child: SupervisedProcess

    /// Starts `executable` (a `bootstrap`) with exactly `environment`.
    public init(_ executable: String = ExampleData.executable("bootstrap"), environment: [String: String]) throws {
        child = try SupervisedProcess(executable, environment: environment)
    }

    /// The number of open file descriptors of the bootstrap process.
    public var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.process.processIdentifier)/fd").count)
            ?? -1
    }

    /// The resident memory of the bootstrap process, in kilobytes.
    public var residentKilobytes: Int {
        guard
            let status = try? String(
                contentsOfFile: "/proc/\(child.process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Waits up to `seconds` for bootstrap to exit by itself; its exit status, or nil.
    public func waitForExit(seconds: Double) -> Int32? { child.waitForExit(seconds: seconds) }

    /// Stops bootstrap and returns what it (and its function) wrote to standard error.
    @discardableResult
    public func stop() -> String { child.stop() }
}

/// GET requests for tests, over one libcurl handle.
public final class CurlHTTPClientForTests: @unchecked Sendable {
    private let client: CurlHTTPClient

    public init() throws { client = try CurlHTTPClient() }

    public func get(_ url: String) throws -> HTTPClientResponse {
        try client.send("GET", url, timeoutMilliseconds: 10_000)
    }
}
