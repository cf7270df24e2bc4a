import Foundation

/// One function process in stream mode, driven a line at a time, so a test can do
/// things to its surroundings (stop Redis, change a company) between invocations.
public final class StreamSession: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffer = Data()
    private let errorBox = DataBox()
    private let errorReader = DispatchGroup()

    /// Starts `executable --stream` with `environment`.
    public init(_ executable: String, environment: [String: String]) throws {
        _ = ignoreBrokenPipes
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--stream"]
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorHandle = errors.fileHandleForReading
        let box = errorBox
        DispatchQueue.global().async(group: errorReader) { box.data = errorHandle.readDataToEndOfFile() }
    }

    /// The function process's id (to stop and continue it).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Sends one envelope and waits for its reply line.
    public func send(_ envelope: Data) throws -> Data {
        try input.fileHandleForWriting.write(contentsOf: envelope + Data("\n".utf8))
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("the function closed its output") }
            buffer += chunk
        }
    }

    /// Closes standard input, waits for the process, and returns what it logged.
    public func finish() -> (status: Int32, log: String) {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        errorReader.wait()
        return (process.terminationStatus, String(decoding: errorBox.data, as: UTF8.self))
    }
}
