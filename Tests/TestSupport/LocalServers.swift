import HTTPDriver
import Foundation

/// `switchboard emulate` or `switchboard serve` running for one test.
public final class LocalServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let errors = Pipe()
    private let errorBox = DataBox()
    private let reader = DispatchGroup()

    /// Starts `switchboard <arguments> --port <free port>` and waits until it accepts
    /// connections.
    public init(_ arguments: [String], environment: [String: String]) throws {
        _ = ignoreBrokenPipes
        port = try RedisServer.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: ExampleData.executable("switchboard"))
        process.arguments = arguments + ["--port", "\(port)"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let handle = errors.fileHandleForReading
        let box = errorBox
        DispatchQueue.global().async(group: reader) { box.data = handle.readDataToEndOfFile() }
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

/// `bootstrap` running for one test, against a Runtime API.
public final class BootstrapProcess: @unchecked Sendable {
    public let process = Process()
    private let errors = Pipe()
    private let errorBox = DataBox()
    private let reader = DispatchGroup()

    /// Starts `executable` (a `bootstrap`) with `environment`.
    public init(_ executable: String = ExampleData.executable("bootstrap"), environment: [String: String]) throws {
        _ = ignoreBrokenPipes
        process.executableURL = URL(fileURLWithPath: executable)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let handle = errors.fileHandleForReading
        let box = errorBox
        DispatchQueue.global().async(group: reader) { box.data = handle.readDataToEndOfFile() }
    }

    /// The number of open file descriptors of the bootstrap process.
    public var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    /// The resident memory of the bootstrap process, in kilobytes.
    public var residentKilobytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Waits up to `seconds` for the process to exit by itself; its exit status, or nil.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the process and returns what it wrote to standard error.
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
