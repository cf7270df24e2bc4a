import SwitchboardBase
import SwitchboardCore

/// The HMAC secrets admin tokens are signed with.
///
/// | variable | meaning |
/// |---|---|
/// | `SWITCHBOARD_ADMIN_SECRET` | signs and verifies admin tokens (HS256); at least 32 bytes, e.g. `openssl rand -base64 48` |
/// | `SWITCHBOARD_ADMIN_SECRET_PREVIOUS` | the secret it replaced: tokens signed with it still verify, so the secret can rotate |
///
/// Prints without the secrets.
public struct AdminSecrets: Sendable, CustomStringConvertible {
    /// The fewest bytes a secret may have: HS256's key should be as long as its hash.
    public static let minimumBytes = 32

    let current: [UInt8]
    let previous: [UInt8]?

    /// Secrets from their text.
    ///
    /// - Throws: ``ConfigurationError`` when a secret is shorter than 32 bytes.
    public init(current: String, previous: String? = nil) throws(ConfigurationError) {
        self.current = try Self.check(current, "SWITCHBOARD_ADMIN_SECRET")
        self.previous = try previous.map { secret throws(ConfigurationError) in
            try Self.check(secret, "SWITCHBOARD_ADMIN_SECRET_PREVIOUS")
        }
    }

    /// The secrets the environment holds.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is missing or too short.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> AdminSecrets {
        let current = try environment.require(
            "SWITCHBOARD_ADMIN_SECRET",
            "it signs admin tokens and must hold at least \(minimumBytes) bytes (e.g. `openssl rand -base64 48`)")
        return try AdminSecrets(current: current, previous: environment["SWITCHBOARD_ADMIN_SECRET_PREVIOUS"])
    }

    private static func check(_ secret: String, _ variable: String) throws(ConfigurationError) -> [UInt8] {
        let bytes = Array(secret.utf8)
        guard bytes.count >= minimumBytes else {
            throw ConfigurationError(
                variable: variable,
                problem:
                    "is \(bytes.count) bytes; it must hold at least \(minimumBytes) (e.g. `openssl rand -base64 48`)")
        }
        return bytes
    }

    public var description: String { "AdminSecrets(<redacted>\(previous == nil ? "" : ", previous <redacted>"))" }
}
