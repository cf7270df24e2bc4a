import RedisDriver

/// Asks Redis whether it answers, for the health check: a `PING` on a connection of its
/// own (so a probe on its own thread never shares the cache's).
public struct RedisProbe: Sendable {
    public let settings: CacheSettings

    public init(settings: CacheSettings) {
        self.settings = settings
    }

    /// Where Redis is, without its password.
    public var endpoint: String { "\(settings.endpoint)" }

    /// Why Redis did not answer.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Connects and sends `PING`.
    ///
    /// - Throws: ``Failure`` when Redis does not answer `PONG`.
    public func run() throws(Failure) {
        do {
            let connection = try RedisConnection(
                endpoint: settings.endpoint, connectTimeoutMilliseconds: settings.connectTimeoutMilliseconds,
                commandTimeoutMilliseconds: max(settings.commandTimeoutMilliseconds, 500))
            let reply = try connection.command(["PING"])
            guard reply == .status("PONG") else { throw Failure(description: "PING answered \(reply)") }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(error)")
        }
    }
}
