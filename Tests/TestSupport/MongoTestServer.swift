import Foundation

/// The MongoDB wire-protocol test server (Tests/Support/mongo_wire_server.py), for the
/// tests that stop or count on their own server; the rest share the one `make test`
/// starts and `MONGODB_URI` names.
public final class MongoTestServer: @unchecked Sendable {
    public let port: Int
    private var process: Process?

    /// `mongodb://127.0.0.1:<port>`.
    public var uri: String { "mongodb://127.0.0.1:\(port)" }

    public init() throws {
        port = try RedisServer.freePort()
        try start()
    }

    deinit { stop() }

    /// Starts the server (again, empty) on the same port and waits until it listens.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestPaths.python())
        process.arguments = [
            TestPaths.packageRoot.appendingPathComponent("Tests/Support/mongo_wire_server.py").path, "\(port)",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let handle = output.fileHandleForReading
        var seen = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += chunk
            if String(decoding: seen, as: UTF8.self).contains("listening") { return }
        }
        throw TestSetupError("the MongoDB test server did not start on \(port)")
    }

    /// How many connections the server has accepted since it started.
    public func connectionsAccepted() throws -> Int {
        let code =
            "import sys, pymongo\nprint(pymongo.MongoClient(sys.argv[1], directConnection=True).admin.command('switchboardTestStats')['connections'])"
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, uri], environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0, let count = Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw TestSetupError("cannot read the test server's statistics: \(result.stderrText)")
        }
        // pymongo's own monitor and application connections for this question.
        return count
    }

    /// Freezes the server (SIGSTOP): connections hang rather than fail.
    public func pause() {
        if let process { kill(process.processIdentifier, SIGSTOP) }
    }

    /// Thaws a paused server.
    public func resume() {
        if let process { kill(process.processIdentifier, SIGCONT) }
    }

    /// Stops the server (its data is gone).
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// The shared server's URI (`MONGODB_URI`, which `make test` sets), with database
    /// `name` in its path.
    public static func sharedURI(database name: String) -> String? {
        guard var base = ProcessInfo.processInfo.environment["MONGODB_URI"], !base.isEmpty else { return nil }
        var options = ""
        if let question = base.firstIndex(of: "?") {
            options = String(base[question...])
            base = String(base[..<question])
        }
        if let schemeEnd = base.range(of: "://"), let slash = base[schemeEnd.upperBound...].firstIndex(of: "/") {
            base = String(base[..<slash])
        }
        return base + "/" + name + options
    }
}

/// Writes and reads raw `v2companies` documents through the test venv's pymongo, as the
/// earlier Node.js system (or an operator) would: independent of Switchboard's driver.
public enum MongoSeed {
    /// Inserts one document given as Extended JSON into the URI's database.
    public static func insert(uri: String, json: String) throws {
        try run(
            uri: uri,
            code:
                "import sys, pymongo\nfrom bson import json_util\nc = pymongo.MongoClient(sys.argv[1])\nc.get_default_database().v2companies.insert_one(json_util.loads(sys.argv[2]))",
            json)
    }

    /// Runs one pymongo statement on the collection `c` (e.g. `c.update_one(...)`).
    public static func execute(uri: String, statement: String) throws {
        try run(
            uri: uri,
            code:
                "import sys, pymongo\nfrom bson import json_util\nc = pymongo.MongoClient(sys.argv[1]).get_default_database().v2companies\n"
                + statement, "")
    }

    /// Every document of the URI's database, as Extended JSON.
    public static func find(uri: String, json: String = "") throws -> String {
        try run(
            uri: uri,
            code:
                "import sys, pymongo\nfrom bson import json_util\nc = pymongo.MongoClient(sys.argv[1])\nprint(json_util.dumps(list(c.get_default_database().v2companies.find({}))))",
            json)
    }

    /// The names of the collection's indexes.
    public static func indexNames(uri: String) throws -> String {
        try run(
            uri: uri,
            code:
                "import sys, pymongo\nc = pymongo.MongoClient(sys.argv[1])\nprint(sorted(i['name'] for i in c.get_default_database().v2companies.list_indexes()))",
            "")
    }

    @discardableResult
    static func run(uri: String, code: String, _ argument: String) throws -> String {
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, uri, argument], environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw TestSetupError("pymongo failed: \(result.stderrText)") }
        return result.stdoutText
    }
}

extension MongoTestServer {
    /// The URI of a new, empty database (named `prefix` and a random suffix) on the server
    /// `MONGODB_URI` names: what each test on the MongoDB backend starts from.
    ///
    /// - Throws: ``TestSetupError`` when `MONGODB_URI` is not set (`make test` sets it).
    public static func freshDatabaseURI(prefix: String = "switchboard_test_") throws -> String {
        guard let uri = sharedURI(database: prefix + UUID().uuidString.prefix(12).lowercased()) else {
            throw TestSetupError("MONGODB_URI is not set: run `make test`, which starts the MongoDB test server")
        }
        return uri
    }
}
