import JWTKit
import SwitchboardCore

/// The claims of an admin token:
///
///     { "sub": "alice@example.com", "exp": 1767225600, "iat": 1767222000,
///       "role": "company", "companyId": "65a1f0c2e4b0a1a2b3c4d5e1" }
///
/// `sub` and `exp` are required (decoding fails without them); `nbf` and `iat` are
/// honoured when present. The time claims are judged by ``AdminTokenVerifier`` against
/// its own clock with leeway, not here.
struct AdminClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    /// `admin` or `company`.
    var role: String
    /// The company a `company` token is for.
    var companyId: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
