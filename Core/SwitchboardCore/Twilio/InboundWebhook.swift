#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A webhook from Twilio as it arrived: decoded, not yet trusted.
///
/// Built from the parts of an HTTP request, it knows the exact URL Twilio signed and
/// the parameters it signed; ``authenticate(for:vault:now:)`` then decides whether the
/// owning company's Twilio account really sent it.
public struct InboundWebhook: Sendable {
    /// The largest body accepted. Twilio's webhook bodies are a few kilobytes.
    public static let maximumBodyBytes = 64 * 1024

    /// The full URL Twilio requested and signed, query included.
    public let url: String
    /// The same URL without its query: where callbacks to this function point.
    public let endpointURL: String
    /// The URL's query parameters (Switchboard's own, such as `whisper` and `companyId`).
    public let query: FormParameters
    /// The form parameters Twilio posted (empty for a JSON body).
    public let parameters: FormParameters
    /// What the signature covers.
    public let content: SignedContent
    /// The `X-Twilio-Signature` header.
    public let signature: String?
    /// The `X-Twilio-Webhooks-Signature-Settings` header (`key=<SharedKey id>,algorithm=<…>`),
    /// present when Twilio signed with a SharedKey instead of the auth token.
    public let signatureSettings: String?

    /// Decodes a webhook.
    ///
    /// - Parameters:
    ///   - host: the host the request was sent to (used unless `publicBase` is set).
    ///   - path: the request path, e.g. `/api/twilio/voice`.
    ///   - rawQuery: the query string as received, without `?`.
    ///   - contentType: the `Content-Type` header.
    ///   - body: the decoded body bytes.
    ///   - signature: the `X-Twilio-Signature` header.
    ///   - signatureSettings: the `X-Twilio-Webhooks-Signature-Settings` header.
    ///   - publicBase: `SWITCHBOARD_PUBLIC_URL`, when set.
    ///   - forwardedProto: the `X-Forwarded-Proto` header (see ``scheme(forwardedProto:)``),
    ///     used with `host` when `publicBase` is not set.
    /// - Throws: ``WebhookRequestError`` for a body that is too large or not decodable.
    public init(
        host: String?, path: String, rawQuery: String, contentType: String?, body: [UInt8],
        signature: String?, signatureSettings: String? = nil, publicBase: PublicBaseURL?,
        forwardedProto: String? = nil
    ) throws(WebhookRequestError) {
        guard body.count <= Self.maximumBodyBytes else { throw .bodyTooLarge(limit: Self.maximumBodyBytes) }
        let base: String
        if let publicBase {
            base = publicBase.base
        } else {
            guard var host, !host.isEmpty, !host.withUTF8({ $0.contains { $0 <= 0x20 || $0 == UInt8(ascii: "/") } })
            else {
                throw .missingHost
            }
            base = Self.scheme(forwardedProto: forwardedProto) + "://" + host
        }
        let query = rawQuery.hasPrefix("?") ? String(rawQuery.dropFirst()) : rawQuery
        endpointURL = base + (path.hasPrefix("/") ? path : "/" + path)
        url = query.isEmpty ? endpointURL : endpointURL + "?" + query
        do {
            self.query = try FormParameters(decoding: Array(query.utf8))
        } catch {
            throw .malformedQuery(error)
        }
        let mediaType = contentType.map(MediaType.of) ?? ""
        if mediaType.isEmpty || mediaType == "application/x-www-form-urlencoded" {
            do {
                parameters = try FormParameters(decoding: body)
            } catch {
                throw .malformedBody(error)
            }
            content = .form(parameters)
        } else {
            parameters = FormParameters([])
            content = .raw(body)
        }
        self.signature = signature
        self.signatureSettings = signatureSettings.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The scheme of the URL Twilio called, from the `X-Forwarded-Proto` header: `http`
    /// only when its first value says so (`switchboard serve` on plain HTTP sets it; a
    /// tunnel in front passes on its own `https`), else `https` — what a Lambda function
    /// URL always is. Naming the wrong scheme cannot pass a check: the scheme is part of
    /// the URL the signature covers.
    public static func scheme(forwardedProto: String?) -> String {
        guard let forwardedProto, forwardedProto != "https" else { return "https" }  // Lambda's, every time
        let first = forwardedProto.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let word = first.filter { $0 != " " && $0 != "\t" }
        return word.lowercased() == "http" ? "http" : "https"
    }

    /// Checks that `tenant`'s Twilio account sent this webhook.
    ///
    /// - With `X-Twilio-Webhooks-Signature-Settings`, the signature must be valid under the
    ///   SharedKey that header names — only if it is this company's (its current key, or
    ///   the one it replaced, inside the rotation's grace) — with the algorithm it names
    ///   (HMAC_SHA256 or HMAC_SHA1).
    /// - Without it, under the company's auth token (or, during a rotation's grace period,
    ///   the token it replaced) — unless the company requires its SharedKey, when it is
    ///   refused: no downgrade.
    /// - Either way, the posted `AccountSid` must be the company's.
    ///
    /// - Parameters:
    ///   - tenant: the company that owns the number or callback.
    ///   - vault: opens the company's sealed tokens and keys.
    ///   - now: the time the grace periods are judged against.
    /// - Throws: ``WebhookRejection`` saying which check failed.
    public func authenticate(for tenant: TenantSnapshot, vault: AuthTokenVault, now: Date = Date())
        throws(WebhookRejection)
    {
        guard let signature, !signature.isEmpty else { throw .missingSignature }
        guard let accountSid = tenant.accountSid, !accountSid.isEmpty else { throw .tenantHasNoCredentials }
        if let signatureSettings {
            let (keyID, named) = Self.parse(signatureSettings: signatureSettings)
            guard let algorithm = named.flatMap(WebhookSignatureAlgorithm.init(rawValue:)) else {
                throw .unsupportedSignatureAlgorithm(String((named ?? "none").prefix(40)))
            }
            guard let keyID, let sharedKey = tenant.sharedKey(named: keyID, at: now) else { throw .unknownSigningKey }
            let key: WebhookSigningKey
            do { key = try vault.signingKey(of: tenant.companyID, sharedKey: sharedKey, algorithm: algorithm) } catch {
                throw .tokenUnavailable(error)
            }
            guard TwilioSignature.isValid(signature: signature, url: url, content: content, key: key) else {
                throw .signatureMismatch
            }
        } else {
            if tenant.requireSharedKey == true { throw .sharedKeyRequired }
            guard let sealed = tenant.authToken else { throw .tenantHasNoCredentials }
            let token: TwilioAuthToken
            do {
                token = try vault.authToken(of: tenant.companyID, stored: sealed)
            } catch {
                throw .tokenUnavailable(error)
            }
            if !TwilioSignature.isValid(signature: signature, url: url, content: content, authToken: token) {
                guard let previous = tenant.previousAuthToken(at: now),
                    let previousToken = try? vault.authToken(
                        of: tenant.companyID, stored: previous, field: .authTokenPrevious),
                    TwilioSignature.isValid(signature: signature, url: url, content: content, authToken: previousToken)
                else { throw .signatureMismatch }
            }
        }
        if case .form = content {
            guard parameters["AccountSid"] == accountSid else { throw .accountMismatch }
        }
    }

    /// The SharedKey id and algorithm `X-Twilio-Webhooks-Signature-Settings` names
    /// (`key=webhooks_sharedkey_…,algorithm=HMAC_SHA256`); `nil` for what it does not.
    public static func parse(signatureSettings header: String) -> (keyID: String?, algorithm: String?) {
        var keyID: String?
        var algorithm: String?
        for part in header.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = String(part[..<equals]).trimmingASCIIWhitespace()
            let value = String(String(part[part.index(after: equals)...]).trimmingASCIIWhitespace())
            if name == "key", !value.isEmpty { keyID = value }
            if name == "algorithm", !value.isEmpty { algorithm = value }
        }
        return (keyID, algorithm)
    }

    /// What signed this webhook, for the log: `auth-token`, or the SharedKey id and
    /// algorithm the header names (never a secret).
    public var signedWith: String {
        guard let signatureSettings else { return "auth-token" }
        let (keyID, algorithm) = Self.parse(signatureSettings: signatureSettings)
        return "\((keyID ?? "?").clipped(to: 64)) \((algorithm ?? "?").clipped(to: 16))"
    }
}

/// Why a request is not a decodable webhook: a 400 (or 413) for the caller.
public enum WebhookRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    case bodyTooLarge(limit: Int)
    case missingHost
    case malformedQuery(FormDecodingError)
    case malformedBody(FormDecodingError)

    public var description: String {
        switch self {
        case .bodyTooLarge(let limit): "request body is larger than \(limit) bytes"
        case .missingHost: "request has no host to rebuild the signed URL from (set SWITCHBOARD_PUBLIC_URL)"
        case .malformedQuery(let why): "query string: \(why)"
        case .malformedBody(let why): "\(why)"
        }
    }

    /// The HTTP status the caller gets: 413 for a body over the limit, 400 for the rest.
    public var httpStatus: Int {
        if case .bodyTooLarge = self { return 413 }
        return 400
    }
}

/// Why a webhook was not trusted. Every case but ``tokenUnavailable(_:)`` is a 403 for
/// the caller; that one is the operator's problem (the token cannot be opened with the
/// configured keys): the caller hears "try again later", a status callback gets a 503.
public enum WebhookRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case missingSignature
    case signatureMismatch
    case accountMismatch
    case tenantHasNoCredentials
    case tokenUnavailable(SealingError)
    /// The company requires its SharedKey's signature, and the webhook has an auth-token one.
    case sharedKeyRequired
    /// The header names a SharedKey that is not this company's (or no longer accepted).
    case unknownSigningKey
    /// The header names an algorithm other than HMAC_SHA256 or HMAC_SHA1.
    case unsupportedSignatureAlgorithm(String)

    public var description: String {
        switch self {
        case .missingSignature: "request has no X-Twilio-Signature header"
        case .signatureMismatch: "X-Twilio-Signature does not match this company's auth token or signing key"
        case .sharedKeyRequired:
            "this company requires webhooks signed with its shared key, and this one is signed with the auth token"
        case .unknownSigningKey: "X-Twilio-Webhooks-Signature-Settings names a signing key that is not this company's"
        case .unsupportedSignatureAlgorithm(let name):
            "X-Twilio-Webhooks-Signature-Settings names the algorithm \(name), not HMAC_SHA256 or HMAC_SHA1"
        case .accountMismatch: "AccountSid is not this company's Twilio account"
        case .tenantHasNoCredentials: "company has no Twilio Account SID or auth token configured"
        case .tokenUnavailable(let why): "company's auth token cannot be opened: \(why)"
        }
    }
}
