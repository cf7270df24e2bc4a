import JWTKit
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks `Authorization: Bearer <JWT>` on the admin API with vapor/jwt-kit.
///
/// - The algorithm is pinned to HS256: a token whose header names another (`none`,
///   RS256, HS512 …) is refused before any signature is looked at.
/// - The signature must verify under `SWITCHBOARD_ADMIN_SECRET`, or under
///   `SWITCHBOARD_ADMIN_SECRET_PREVIOUS` while the secret rotates.
/// - `exp` and `sub` are required; `exp`, `nbf` and `iat` are judged with 60 s of leeway
///   for clock skew (a token issued in the future is refused).
/// - `role` is `admin`, or `company` with a valid `companyId`.
public struct AdminTokenVerifier: Sendable {
    /// Clock skew allowed on every time claim.
    public static let leewaySeconds: Double = 60
    /// The longest `Authorization` header looked at.
    public static let maximumHeaderBytes = 8 * 1024

    private let keys: JWTKeyCollection

    /// A verifier accepting tokens signed with either of `secrets`.
    public init(secrets: AdminSecrets) {
        let keys = JWTKeyCollection()
        let current = secrets.current
        let previous = secrets.previous
        // Adding keys to the actor cannot fail; only the bridge's signature throws.
        _ = try? waitForAsync { () async -> Bool in
            await keys.add(hmac: HMACKey(from: current), digestAlgorithm: .sha256, kid: "current")
            if let previous { await keys.add(hmac: HMACKey(from: previous), digestAlgorithm: .sha256, kid: "previous") }
            return true
        }
        self.keys = keys
    }

    /// The identity an `Authorization` header proves.
    ///
    /// - Parameters:
    ///   - authorization: the header's value, or `nil` when it was not sent.
    ///   - now: the time the token's time claims are judged against.
    /// - Throws: ``AdminAuthError`` saying what is wrong (never echoing the token).
    public func identity(fromAuthorization authorization: String?, now: Date = Date()) throws(AdminAuthError)
        -> AdminIdentity
    {
        guard let authorization, !authorization.isEmpty else { throw .missing }
        guard authorization.utf8.count <= Self.maximumHeaderBytes else {
            throw .malformed("the Authorization header is too long")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .malformed("use Authorization: Bearer <token>")
        }
        let token = Array(parts[1].utf8)

        let header: JWTHeader
        do {
            header = try DefaultJWTParser().parse(token, as: AdminClaims.self).header
        } catch {
            throw .malformed("the token is not a JWT with Switchboard's claims (sub, exp, role)")
        }
        guard header.alg == "HS256" else { throw .wrongAlgorithm(String((header.alg ?? "none").prefix(20))) }

        let keys = self.keys
        let claims: AdminClaims
        do {
            claims = try waitForAsync { try await keys.verify(token, as: AdminClaims.self, iteratingKeys: true) }
        } catch {
            throw .badSignature
        }

        let leeway = Self.leewaySeconds
        guard now.timeIntervalSince(claims.exp.value) < leeway else { throw .expired }
        if let nbf = claims.nbf, nbf.value.timeIntervalSince(now) > leeway { throw .notYetValid }
        if let iat = claims.iat, iat.value.timeIntervalSince(now) > leeway { throw .notYetValid }
        let subject = claims.sub.value
        guard !subject.isEmpty, subject.utf8.count <= 200, !subject.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else {
            throw .malformed("sub must be 1-200 printable characters")
        }
        switch claims.role {
        case "admin":
            return AdminIdentity(subject: subject, role: .admin, expiresAt: claims.exp.value)
        case "company":
            guard let text = claims.companyId, let id = try? CompanyID(text) else {
                throw .malformed("a company token needs a valid companyId")
            }
            return AdminIdentity(subject: subject, role: .company(id), expiresAt: claims.exp.value)
        default:
            throw .malformed("role must be admin or company")
        }
    }
}

/// Why a request's admin token was not accepted: a 401 for the caller.
public enum AdminAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `Authorization` header.
    case missing
    /// Not `Bearer <JWT>`, or not Switchboard's claims; the text says which.
    case malformed(String)
    /// The header names an algorithm other than HS256.
    case wrongAlgorithm(String)
    /// The signature does not verify under the admin secret.
    case badSignature
    /// `exp` has passed.
    case expired
    /// `nbf` or `iat` is in the future.
    case notYetValid

    public var description: String {
        switch self {
        case .missing: "no Authorization header; send Authorization: Bearer <token> (`switchboard token` prints one)"
        case .malformed(let why): "the token is malformed: \(why)"
        case .wrongAlgorithm(let alg): "the token is signed with \(alg); only HS256 is accepted"
        case .badSignature: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        }
    }
}
