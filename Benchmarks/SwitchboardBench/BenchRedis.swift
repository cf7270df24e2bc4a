import RedisDriver
import TLSDriver

#if canImport(Glibc)
import Glibc
#endif

/// A private redis-server for the benchmarks: a free port, no persistence; over TLS
/// only, with certificates from Tests/Support/make_certificates.py, when given a folder of them.
final class BenchRedis {
    let port: Int
    /// The certificates' folder, when the server speaks TLS only.
    let certificates: String?
    private let child: ChildProcess

    var url: String { certificates == nil ? "redis://127.0.0.1:\(port)" : "rediss://localhost:\(port)" }

    /// What a function needs to reach it.
    var environment: [String: String] {
        var settings = ["REDIS_URL": url]
        if let certificates { settings["SWITCHBOARD_REDIS_CA_FILE"] = certificates + "/ca.pem" }
        return settings
    }

    init(certificates: String? = nil) throws(BenchError) {
        self.certificates = certificates
        let candidates: [String] = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw BenchError("redis-server is not installed (make bench installs it)")
        }
        let port = try freePort()
        self.port = port
        let listening =
            certificates.map { folder in
                [
                    "--port", "0", "--tls-port", "\(port)", "--tls-cert-file", folder + "/server.pem", "--tls-key-file",
                    folder + "/server.key",
                    "--tls-ca-cert-file", folder + "/ca.pem", "--tls-auth-clients", "no",
                ]
            } ?? ["--port", "\(port)"]
        child = try ChildProcess(
            path: path,
            arguments: listening + [
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning",
            ],
            environment: [:])
        for _ in 0..<200 {
            let endpoint = RedisEndpoint(
                address: .tcp(host: certificates == nil ? "127.0.0.1" : "localhost", port: port),
                tls: certificates.map { TLSSettings(caFile: $0 + "/ca.pem") })
            if let connection = try? RedisConnection(
                endpoint: endpoint, connectTimeoutMilliseconds: 100, commandTimeoutMilliseconds: 100),
                (try? connection.command(["PING"])) == .status("PONG")
            {
                return
            }
            usleep(25_000)
        }
        throw BenchError("redis-server did not start on port \(port)")
    }

    func stop() {
        kill(child.pid, SIGKILL)
        child.finish()
    }
}

/// The MongoDB wire-protocol test server (Tests/Support/mongo_wire_server.py) on a free
/// port, for the archive's figures on MongoDB. It is written in Python and slow: its
/// figures compare the archive off and on, they are not MongoDB's.
final class BenchMongoServer {
    let port: Int
    private let child: ChildProcess

    var uri: String { "mongodb://127.0.0.1:\(port)" }

    init(python: String, script: String) throws(BenchError) {
        port = try freePort()
        child = try ChildProcess(path: python, arguments: [script, "\(port)"], environment: ["PATH": "/usr/bin:/bin"])
        var reader = ReplyReader(descriptor: child.stdout)
        guard let line = reader.next(), String(decoding: line, as: UTF8.self).contains("listening") else {
            throw BenchError("the MongoDB test server did not start")
        }
    }

    func stop() {
        kill(child.pid, SIGKILL)
        child.finish()
    }
}
