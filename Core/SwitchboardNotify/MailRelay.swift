import HTTPDriver
import Logging
import SwitchboardBase
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The mail relay a deployment sends its e-mail through, over SMTP with TLS (what Amazon
/// SES's SMTP interface and every mail relay speak), from its settings:
///
/// | variable | meaning |
/// |---|---|
/// | `SWITCHBOARD_SMTP_URL` | `smtp://host:587` (STARTTLS) or `smtps://host:465`; unset: no e-mail is sent |
/// | `SWITCHBOARD_SMTP_USER`, `SWITCHBOARD_SMTP_PASSWORD` | the relay's login (the password is a secret: Secrets Manager on Lambda, never logged) |
/// | `SWITCHBOARD_MAIL_FROM` | the sender's address (required with a relay) |
/// | `SWITCHBOARD_SMTP_CA_FILE` | a PEM of the authorities that may sign the relay's certificate; the system's when unset |
/// | `SWITCHBOARD_SMTP_TLS` | `off` lets an `smtp://` relay that offers no STARTTLS be used (local relays only; warned at every start) |
///
/// The relay's certificate and host name are always checked when TLS is used.
public final class MailRelay {
    public struct Settings: Sendable, Equatable, CustomStringConvertible {
        public var url: String
        public var from: String
        public var username: String?
        var password: String?
        public var caFile: String?
        public var requireTLS: Bool
        public var timeoutMilliseconds: Int

        public var description: String {
            "MailRelay(\(CurlHTTPClient.hostOnly(url)), from \(from), TLS \(requireTLS || url.hasPrefix("smtps:") ? "required" : "off"))"
        }

        /// The relay `environment` names, or `nil` when `SWITCHBOARD_SMTP_URL` is unset.
        ///
        /// - Throws: ``ConfigurationError`` naming the setting that is wrong.
        public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> Settings? {
            guard let url = environment["SWITCHBOARD_SMTP_URL"], !url.isEmpty else { return nil }
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://"), !url.contains(" "), url.utf8.count <= 512,
                !url.dropFirst(8).contains("@")
            else {
                throw ConfigurationError(
                    variable: "SWITCHBOARD_SMTP_URL",
                    problem:
                        "must be smtp://host:port (STARTTLS) or smtps://host:port, without a login (give it in SWITCHBOARD_SMTP_USER and SWITCHBOARD_SMTP_PASSWORD)"
                )
            }
            guard let from = environment["SWITCHBOARD_MAIL_FROM"], EmailAddress.isValid(from) else {
                throw ConfigurationError(
                    variable: "SWITCHBOARD_MAIL_FROM",
                    problem:
                        "must be the address e-mail is sent from (name@example.com) when SWITCHBOARD_SMTP_URL is set")
            }
            let tls = environment["SWITCHBOARD_SMTP_TLS"] ?? "on"
            guard tls == "on" || tls == "off" else {
                throw ConfigurationError(variable: "SWITCHBOARD_SMTP_TLS", problem: "must be on or off")
            }
            if tls == "off" && url.hasPrefix("smtps://") {
                throw ConfigurationError(
                    variable: "SWITCHBOARD_SMTP_TLS", problem: "off cannot go with an smtps:// relay, which is TLS")
            }
            let username = environment["SWITCHBOARD_SMTP_USER"].flatMap { $0.isEmpty ? nil : $0 }
            let password = environment["SWITCHBOARD_SMTP_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            if (username == nil) != (password == nil) {
                throw ConfigurationError(
                    variable: username == nil ? "SWITCHBOARD_SMTP_USER" : "SWITCHBOARD_SMTP_PASSWORD",
                    problem:
                        "is required with \(username == nil ? "SWITCHBOARD_SMTP_PASSWORD" : "SWITCHBOARD_SMTP_USER")")
            }
            let caFile = environment["SWITCHBOARD_SMTP_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw ConfigurationError(
                    variable: "SWITCHBOARD_SMTP_CA_FILE", problem: "names \(caFile.prefix(200)), which cannot be read")
            }
            return Settings(
                url: url, from: from, username: username, password: password, caFile: caFile,
                requireTLS: tls == "on",
                timeoutMilliseconds: try environment.integer(
                    "SWITCHBOARD_SMTP_TIMEOUT_MS", default: 10_000, range: 500...60_000))
        }
    }

    public let settings: Settings
    private var client: CurlHTTPClient?

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        if !settings.requireTLS {
            logger.warning(
                "mail.tls_off",
                metadata: [
                    "relay": "\(CurlHTTPClient.hostOnly(settings.url))",
                    "effect": "e-mail may go in clear: SWITCHBOARD_SMTP_TLS=off is for a relay on this machine only",
                ])
        }
    }

    /// Sends `message` to its recipient.
    ///
    /// - Throws: ``HTTPClientError`` saying why the relay did not take it (never the password).
    public func send(_ message: MailMessage) throws(HTTPClientError) {
        if client == nil { client = try CurlHTTPClient() }
        try client!.sendMail(
            message.rendered,
            envelope: SMTPEnvelope(
                url: settings.url, from: settings.from, recipients: [message.to], username: settings.username,
                password: settings.password, caFile: settings.caFile, requireTLS: settings.requireTLS,
                timeoutMilliseconds: settings.timeoutMilliseconds))
    }
}

@available(*, unavailable)
extension MailRelay: Sendable {}
