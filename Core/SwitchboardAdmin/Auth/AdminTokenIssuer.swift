import JWTKit
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signs admin tokens with `SWITCHBOARD_ADMIN_SECRET` (HS256), for `switchboard token`
/// and for tests.
public struct AdminTokenIssuer: Sendable {
    private let keys: JWTKeyCollection

    public init(secrets: AdminSecrets) {
        let keys = JWTKeyCollection()
        let current = secrets.current
        _ = try? waitForAsync { () async -> Bool in
            await keys.add(hmac: HMACKey(from: current), digestAlgorithm: .sha256)
            return true
        }
        self.keys = keys
    }

    /// A token for `role`, naming `subject`, valid from `now` for `lifetime`. Its times are
    /// whole seconds, as JWT consumers commonly expect (RFC 7519 allows fractions; many
    /// libraries reject them).
    public func token(subject: String, role: AdminIdentity.Role, lifetime: Duration, now: Date = Date()) throws
        -> String
    {
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiry = now.addingTimeInterval(Double(lifetime.components.seconds))
        var claims = AdminClaims(
            sub: SubjectClaim(value: subject), exp: ExpirationClaim(value: expiry),
            iat: IssuedAtClaim(value: now), role: "admin")
        if case .company(let id) = role {
            claims.role = "company"
            claims.companyId = id.rawValue
        }
        let keys = self.keys
        let signed = claims
        return try waitForAsync { try await keys.sign(signed, header: ["typ": "JWT"]) }
    }
}
