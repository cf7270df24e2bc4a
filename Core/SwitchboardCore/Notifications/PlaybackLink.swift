import Crypto
import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The link in a voicemail's notification: it plays that one recording, of that one
/// company, until it expires, without a login and without handing out any credential.
///
///     https://calls.example.com/api/recordings/RE…?c=<companyId>&e=1796640065&s=<signature>
///
/// Short, because it goes in a text message of two segments. The signature is
/// HMAC-SHA256, cut to its first 128 bits, over the company, the recording and the expiry, with a
/// key derived (HKDF) from the admin secret, so it is never the admin secret itself and
/// cannot sign a token. A tampered, expired or re-targeted link (another recording,
/// another company, a later expiry) is refused. The admin secret it replaced still
/// verifies links while it rotates.
public struct PlaybackLinkSigner: Sendable {
    private let keys: [SymmetricKey]
    /// How long a link plays (`SWITCHBOARD_PLAYBACK_LINK_DAYS`, default 7).
    public let days: Int

    /// The default life of a link.
    public static let defaultDays = 7

    /// Signs with `secret` (the admin secret), verifies with it and with `previous`.
    public init(secret: String, previous: String? = nil, days: Int = defaultDays) {
        keys = ([secret] + [previous].compactMap { $0 }).map(Self.key)
        self.days = days
    }

    /// The signer `environment` allows, or `nil` without an admin secret (links are then
    /// left out of notifications).
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> PlaybackLinkSigner? {
        let days = try environment.integer(
            "SWITCHBOARD_PLAYBACK_LINK_DAYS", default: defaultDays, range: 1...365)
        guard let secret = environment["SWITCHBOARD_ADMIN_SECRET"], secret.utf8.count >= 32 else { return nil }
        return PlaybackLinkSigner(
            secret: secret,
            previous: environment["SWITCHBOARD_ADMIN_SECRET_PREVIOUS"].flatMap { $0.isEmpty ? nil : $0 },
            days: days)
    }

    /// Where links point: `SWITCHBOARD_PUBLIC_URL` (its `/api/recordings/…` route is
    /// ConfigGet's), else the origin of `SWITCHBOARD_VOICE_URL` (Voice's own URL, which
    /// answers the link too); `nil` when neither is set: a callback then uses the host it
    /// came to, which is Voice's.
    public static func base(_ environment: Environment) -> String? {
        if let text = environment["SWITCHBOARD_PUBLIC_URL"], let base = try? PublicBaseURL(text) { return base.base }
        return environment["SWITCHBOARD_VOICE_URL"].flatMap(origin)
    }

    /// `scheme://host[:port]` of `url`, or `nil` when it is not an http(s) URL.
    public static func origin(_ url: String) -> String? {
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), let parts = URLParts(url), !parts.host.isEmpty
        else { return nil }
        return "\(parts.scheme)://\(parts.host)" + (parts.port.map { ":\($0)" } ?? "")
    }

    private static func key(_ secret: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(secret.utf8)), salt: Array("switchboard".utf8),
            info: Array("playback-link-v1".utf8), outputByteCount: 32)
    }

    private static func message(companyID: String, recordingSid: String, expires: Int) -> [UInt8] {
        Array("switchboard-playback\n\(companyID)\n\(recordingSid)\n\(expires)".utf8)
    }

    /// The path and query of the link to `recordingSid` of `companyID`, valid `days` from `now`.
    public func path(companyID: CompanyID, recordingSid: String, now: Date = Date()) -> String {
        let expires = Int(now.timeIntervalSince1970) + days * 86_400
        let mac = Self.mac(
            Self.message(companyID: companyID.rawValue, recordingSid: recordingSid, expires: expires), keys[0])
        return "/api/recordings/\(recordingSid)?"
            + FormEncoding.encode([
                ("c", companyID.rawValue), ("e", String(expires)), ("s", Data(mac).base64URLEncoded()),
            ])
    }

    /// The signature's length: HMAC-SHA256's first 16 bytes.
    static let macBytes = 16

    private static func mac(_ message: [UInt8], _ key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(macBytes))
    }

    /// What a link's parts say.
    public enum Verdict: Sendable, Equatable {
        case valid
        case expired
        case invalid
    }

    /// Checks a link's parts at `now`.
    public func verify(companyID: String, recordingSid: String, expires: String, signature: String, now: Date = Date())
        -> Verdict
    {
        guard let until = Int(expires), expires.utf8.count <= 12, signature.utf8.count <= 64,
            let given = Data(base64URLEncoded: signature[...]), given.count == Self.macBytes
        else { return .invalid }
        let message = Self.message(companyID: companyID, recordingSid: recordingSid, expires: until)
        // Compared in constant time: every byte is looked at, whatever differs.
        let matches = keys.map { key in zip(Self.mac(message, key), given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
        guard matches.contains(true) else { return .invalid }
        return Double(until) < now.timeIntervalSince1970 ? .expired : .valid
    }
}
