import Foundation

/// What a finished child process wrote and how it ended.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs built executables the way a person or the shim does: real processes, real pipes.
public enum ProcessRunner {
    /// Runs `executable` with `arguments`, feeding `input` to its standard input, and
    /// waits for it to exit. Standard output and error are read concurrently, so large
    /// outputs cannot dead-lock the pipes.
    public static func run(
        _ executable: String, _ arguments: [String] = [], input: Data = Data(), environment: [String: String]
    ) throws -> ProcessResult {
        _ = ignoreBrokenPipes
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let group = DispatchGroup()
        let errorBox = DataBox()
        DispatchQueue.global().async(group: group) {
            // A child that exits without reading (an init error) closes the pipe early:
            // that is its answer, not a test failure.
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) {
            errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile()
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: output, stderr: errorBox.data)
    }
}

/// Writing to a child that has exited must fail with EPIPE, not kill the test process.
let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

final class DataBox: @unchecked Sendable {
    var data = Data()
}
