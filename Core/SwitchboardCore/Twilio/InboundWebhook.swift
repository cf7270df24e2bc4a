#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A webhook from Twilio as it arrived: decoded, not yet trusted.
///
/// Built from the parts of an HTTP request, it knows the exact URL Twilio signed and
/// the parameters it signed; ``authenticate(for:sealer:)`` then decides whether the
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

    /// Decodes a webhook.
    ///
    /// - Parameters:
    ///   - host: the host the request was sent to (used unless `publicBase` is set).
    ///   - path: the request path, e.g. `/api/twilio/voice`.
    ///   - rawQuery: the query string as received, without `?`.
    ///   - contentType: the `Content-Type` header.
    ///   - body: the decoded body bytes.
    ///   - signature: the `X-Twilio-Signature` header.
    ///   - publicBase: `SWITCHBOARD_PUBLIC_URL`, when set.
    /// - Throws: ``WebhookRequestError`` for a body that is too large or not decodable.
    public init(
        host: String?, path: String, rawQuery: String, contentType: String?, body: [UInt8],
        signature: String?, publicBase: PublicBaseURL?
    ) throws(WebhookRequestError) {
        guard body.count <= Self.maximumBodyBytes else { throw .bodyTooLarge(limit: Self.maximumBodyBytes) }
        let base: String
        if let publicBase {
            base = publicBase.base
        } else {
            guard var host, !host.isEmpty, !host.withUTF8({ $0.contains { $0 <= 0x20 || $0 == UInt8(ascii: "/") } }) else {
                throw .missingHost
            }
            base = "https://" + host
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
    }

    /// Checks that `tenant`'s Twilio account sent this webhook: the signature must be
    /// valid under the tenant's auth token — or, during a rotation's grace period, under
    /// the token it replaced — and the posted `AccountSid` must be the tenant's.
    ///
    /// - Parameters:
    ///   - tenant: the company that owns the number or callback.
    ///   - vault: opens the company's sealed tokens.
    ///   - now: the time the grace period of a replaced token is judged against.
    /// - Throws: ``WebhookRejection`` saying which check failed.
    public func authenticate(for tenant: TenantSnapshot, vault: AuthTokenVault, now: Date = Date()) throws(WebhookRejection) {
        guard let signature, !signature.isEmpty else { throw .missingSignature }
        guard let sealed = tenant.authToken, let accountSid = tenant.accountSid, !accountSid.isEmpty else {
            throw .tenantHasNoCredentials
        }
        let token: TwilioAuthToken
        do {
            token = try vault.authToken(of: tenant.companyID, stored: sealed)
        } catch {
            throw .tokenUnavailable(error)
        }
        if !TwilioSignature.isValid(signature: signature, url: url, content: content, authToken: token) {
            guard let previous = tenant.previousAuthToken(at: now),
                  let previousToken = try? vault.authToken(of: tenant.companyID, stored: previous, field: .authTokenPrevious),
                  TwilioSignature.isValid(signature: signature, url: url, content: content, authToken: previousToken)
            else { throw .signatureMismatch }
        }
        if case .form = content {
            guard parameters["AccountSid"] == accountSid else { throw .accountMismatch }
        }
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
}

/// Why a webhook was not trusted. The first four are a 403 for the caller; the last is
/// the operator's problem (the token cannot be opened with the configured keys).
public enum WebhookRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case missingSignature
    case signatureMismatch
    case accountMismatch
    case tenantHasNoCredentials
    case tokenUnavailable(SealingError)

    public var description: String {
        switch self {
        case .missingSignature: "request has no X-Twilio-Signature header"
        case .signatureMismatch: "X-Twilio-Signature does not match this company's auth token"
        case .accountMismatch: "AccountSid is not this company's Twilio account"
        case .tenantHasNoCredentials: "company has no Twilio Account SID or auth token configured"
        case .tokenUnavailable(let why): "company's auth token cannot be opened: \(why)"
        }
    }
}
