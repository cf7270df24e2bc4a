import Foundation

/// Where the package and its test tools are.
public enum TestPaths {
    /// The package's root folder.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The test venv's Python (`make test` creates it and sets SWITCHBOARD_TEST_PYTHON).
    public static func python() throws -> String {
        let candidates = [
            ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_PYTHON"],
            packageRoot.appendingPathComponent(".switchboard/venv/bin/python").path,
        ].compactMap { $0 }
        guard let python = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSetupError("no test venv with Twilio's Python library: run `make test`")
        }
        return python
    }

    /// A new empty folder for one test.
    public static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "switchboard-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
