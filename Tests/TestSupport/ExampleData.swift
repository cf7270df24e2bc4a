import Foundation

/// The example companies and events in `Examples/`, and the built executables.
public enum ExampleData {
    /// Where `swift build` put the executables (`make test` sets SWITCHBOARD_BIN_DIR;
    /// otherwise the folder holding the running test bundle).
    public static let binDirectory: URL = {
        if let folder = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN_DIR"], !folder.isEmpty {
            return URL(fileURLWithPath: folder)
        }
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: bundle).deletingLastPathComponent()
        while folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Voice").path)
        {
            folder.deleteLastPathComponent()
        }
        return folder
    }()

    /// The path of built executable `name`.
    public static func executable(_ name: String) -> String {
        binDirectory.appendingPathComponent(name).path
    }

    public static let companiesFile = TestPaths.packageRoot.appendingPathComponent("Examples/companies.json")
    public static let eventsFolder = TestPaths.packageRoot.appendingPathComponent("Examples/events")

    /// Every secret in the example companies (auth tokens, API secrets, webhook SharedKeys).
    public static let secrets: [String] = {
        guard let data = try? Data(contentsOf: companiesFile),
            let companies = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return companies.flatMap { company -> [String] in
            let config = company["twilioConfig"] as? [String: Any] ?? [:]
            return ["authToken", "apiSecret"].compactMap { config[$0] as? String }
                + ["webhookSharedKey", "webhookSharedKeyPrevious"].compactMap {
                    (config[$0] as? [String: Any])?["secret"] as? String
                }
        }
    }()

    /// The auth token of the example company named `name`.
    public static func authToken(ofCompanyNamed name: String) -> String? {
        guard let data = try? Data(contentsOf: companiesFile),
            let companies = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return nil }
        let company = companies.first { ($0["companyName"] as? String) == name }
        return (company?["twilioConfig"] as? [String: Any])?["authToken"] as? String
    }

    /// The example event called `name` (without `.json`).
    public static func event(_ name: String) throws -> Data {
        try Data(contentsOf: eventsFolder.appendingPathComponent(name + ".json"))
    }

    /// A stream-mode envelope (one line, no newline) carrying example event `name`.
    public static func envelope(_ name: String, id: String) throws -> Data {
        let event = try JSONSerialization.jsonObject(with: try event(name))
        return try JSONSerialization.data(withJSONObject: ["id": id, "deadlineMs": 4_102_444_800_000, "event": event])
    }

    /// The names of the example events whose names start with `prefix` (Voice's by default).
    public static func eventNames(prefix: String = "voice-") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: eventsFolder.path)
            .filter { $0.hasSuffix(".json") && $0.hasPrefix(prefix) }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The names of the secrets found in `data`; empty when none leaked.
    public static func leakedSecrets(in data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        return secrets.filter { text.contains($0) }.map { "a demo secret of \($0.count) characters" }
    }
}

/// A fresh embedded store seeded with the example companies under a fresh data key.
public struct SeededStore: Sendable {
    public let folder: URL
    public let dataKey: String
    public let environment: [String: String]

    public var storePath: String { folder.appendingPathComponent("switchboard.sqlite").path }

    /// Seeds a new store in a new folder; throws if `switchboard seed` fails.
    public init(extraEnvironment: [String: String] = [:]) throws {
        folder = try TestPaths.temporaryFolder()
        var key = [UInt8](repeating: 0, count: 32)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        dataKey = Data(key).base64EncodedString()
        var environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "LOG_LEVEL": "info"]
        environment["SWITCHBOARD_STORE"] = "sqlite:" + folder.appendingPathComponent("switchboard.sqlite").path
        environment["SWITCHBOARD_DATA_KEY"] = dataKey
        environment["SWITCHBOARD_AGENT_STREAM_URL"] = "wss://agent.example.com/stream"
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
        let seeded = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["seed", ExampleData.companiesFile.path], environment: environment)
        guard seeded.status == 0 else {
            throw TestSetupError("switchboard seed failed (\(seeded.status)): \(seeded.stderrText)")
        }
    }
}
