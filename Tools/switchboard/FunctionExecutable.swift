import Foundation

/// A function executable (`Voice`, …) built beside this `switchboard` binary.
struct FunctionExecutable {
    /// The names of the functions Switchboard has.
    static let knownFunctions = ["Voice", "SMS", "ConfigGet", "ConfigPut", "Health", "Outbound"]

    let name: String
    let path: String

    /// Finds function `name` in the folder holding this executable.
    init(named name: String) throws {
        guard Self.knownFunctions.contains(name) else {
            throw CommandFailure(
                "unknown function \(name); the functions are \(Self.knownFunctions.joined(separator: ", "))")
        }
        let folder = Self.binFolder()
        let candidate = folder + "/" + name
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw CommandFailure(
                "\(name) is not in \(folder): run `make install` again, or `swift build` in the checkout for its .build"
            )
        }
        self.name = name
        self.path = candidate
    }

    /// The folder holding this executable (and, after `swift build`, the functions).
    static func binFolder() -> String {
        let myself =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: myself).deletingLastPathComponent().path
    }

    /// Runs the function one-shot on `input`, its standard error passed through.
    func runOneShot(input: Data, environment: [String: String]? = nil) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        if let environment { process.environment = environment }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Read while writing, so a large event cannot dead-lock on full pipes.
        signal(SIGPIPE, SIG_IGN)  // a function that exits early must not take this process with it
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
