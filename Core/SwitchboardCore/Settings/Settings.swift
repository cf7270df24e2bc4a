import Logging
import SwitchboardBase

/// Switchboard's settings, each read from one environment variable and validated when a
/// function starts, so a mistake stops the process with a message naming the variable
/// instead of failing calls one by one. README.md's Settings table lists every variable,
/// its meaning and default (a test holds it to what the code reads).
public enum Settings {
    /// `SWITCHBOARD_STORE`: where the directory lives.
    public static func store(_ environment: Environment) throws(ConfigurationError) -> StoreLocation {
        let variable = "SWITCHBOARD_STORE"
        guard let value = environment[variable] else { return .sqlite(path: ".switchboard/switchboard.sqlite") }
        if value.hasPrefix("sqlite:") {
            let path = String(value.dropFirst("sqlite:".count))
            guard !path.isEmpty else {
                throw ConfigurationError(variable: variable, problem: "names no file after sqlite:")
            }
            return .sqlite(path: path)
        }
        if value.hasPrefix("mongodb://") || value.hasPrefix("mongodb+srv://") {
            return .mongodb(uri: value)
        }
        throw ConfigurationError(variable: variable, problem: "must be sqlite:<path> or a mongodb:// URI")
    }

    /// `SWITCHBOARD_DATA_KEY` (and `SWITCHBOARD_DATA_KEY_PREVIOUS`): the sealer.
    public static func sealer(_ environment: Environment) throws(ConfigurationError) -> SecretSealer {
        let variable = "SWITCHBOARD_DATA_KEY"
        let text = try environment.require(
            variable, "it must hold base64 of 32 random bytes (e.g. `openssl rand -base64 32`)")
        let current: SecretSealer.DataKey
        do { current = try .init(base64: text) } catch {
            throw ConfigurationError(variable: variable, problem: "is malformed: \(error)")
        }
        var previous: [SecretSealer.DataKey] = []
        if let list = environment["SWITCHBOARD_DATA_KEY_PREVIOUS"] {
            for (index, item) in list.split(separator: ",").enumerated() {
                do { previous.append(try .init(base64: String(item))) } catch {
                    throw ConfigurationError(
                        variable: "SWITCHBOARD_DATA_KEY_PREVIOUS", problem: "entry \(index + 1) is malformed: \(error)")
                }
            }
        }
        return SecretSealer(current: current, previous: previous)
    }

    /// `SWITCHBOARD_PUBLIC_URL`: the base of the URLs Twilio signs, or `nil` to rebuild
    /// them from each request.
    public static func publicURL(_ environment: Environment) throws(ConfigurationError) -> PublicBaseURL? {
        guard let value = environment["SWITCHBOARD_PUBLIC_URL"] else { return nil }
        do { return try PublicBaseURL(value) } catch {
            throw ConfigurationError(variable: "SWITCHBOARD_PUBLIC_URL", problem: error.description)
        }
    }

    /// `SWITCHBOARD_TOKEN_GRACE_HOURS`: how long a replaced auth token is still accepted
    /// for webhook signatures (default 72 hours; 0 ends it at once).
    public static func tokenGracePeriod(_ environment: Environment) throws(ConfigurationError) -> Duration {
        .seconds(try environment.integer("SWITCHBOARD_TOKEN_GRACE_HOURS", default: 72, range: 0...720) * 3_600)
    }

    /// `SWITCHBOARD_AGENT_STREAM_URL`: the platform's agent stream, or `nil`.
    public static func agentStreamURL(_ environment: Environment) throws(ConfigurationError) -> String? {
        guard let value = environment["SWITCHBOARD_AGENT_STREAM_URL"] else { return nil }
        guard StreamURL.isValid(value) else {
            throw ConfigurationError(
                variable: "SWITCHBOARD_AGENT_STREAM_URL", problem: "must be a wss:// URL without spaces")
        }
        return value
    }
}

/// Where the tenant directory lives.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// The embedded SQLite file.
    case sqlite(path: String)
    /// A MongoDB deployment.
    case mongodb(uri: String)

    /// Where, with a MongoDB URI's user information left out altogether (and its options):
    /// `mongodb://db.example:27017/switchboard`.
    public var withoutCredentials: String {
        description.replacing("***@", with: "")
    }

    /// Says where, without the credentials a MongoDB URI may hold: the user information
    /// is masked (up to the *last* `@` of the authority, since a password may hold one),
    /// and the options are left out (`authMechanismProperties` can carry a session token).
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .mongodb(let uri):
            guard let scheme = uri.firstRange(of: "://") else { return "mongodb URI" }
            var rest = uri[scheme.upperBound...]
            var options = ""
            if let question = rest.firstIndex(of: "?") {
                options = "?…"
                rest = rest[..<question]
            }
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                rest = "***" + rest[at...]
            }
            return String(uri[..<scheme.upperBound]) + rest + options
        }
    }
}

/// Checks the media-stream URLs the agent mode connects calls to.
public enum StreamURL {
    /// Twilio streams only to `wss://` URLs: `wss://` and a host, at most 2,048
    /// characters, no spaces or control characters.
    public static func isValid(_ text: String) -> Bool {
        text.hasPrefix("wss://") && text.utf8.count > "wss://".utf8.count && text.utf8.count <= 2_048
            && !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
    }
}
