#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The front half every Twilio webhook shares (Voice's and SMS's): decode the request,
/// find the company that owns it, and prove that company's Twilio account sent it.
///
/// 1. The body is decoded (at most 64 KiB); the URL Twilio signed is rebuilt.
/// 2. The company is found by the dialled number (`To`, normalised to E.164) through the
///    process's resolver — memory, Redis, then the directory — or, for a function's own
///    callbacks, by the company id the callback URL carries.
/// 3. `X-Twilio-Signature` must verify under that company's auth token (or, during a
///    rotation's grace period, the token it replaced) — or under its SharedKey, when the
///    webhook says Twilio signed with one (`X-Twilio-Webhooks-Signature-Settings`) — and
///    the posted `AccountSid` must be the company's.
///
/// Each way a request can fail to get through is its own ``Outcome``, so each function
/// answers it in its own way (Voice speaks "not configured"; SMS answers nothing).
public struct WebhookGate {
    public let resolver: any TenantResolver
    public let vault: AuthTokenVault
    public let publicURL: PublicBaseURL?

    public init(resolver: any TenantResolver, vault: AuthTokenVault, publicURL: PublicBaseURL?) {
        self.resolver = resolver
        self.vault = vault
        self.publicURL = publicURL
    }

    /// What became of a webhook at the gate.
    public enum Outcome {
        /// The owning company's Twilio account sent it: the webhook handed to the gate,
        /// from the company given here.
        case admitted(TenantSnapshot)
        /// It has no `To` at all (400).
        case missingTo
        /// No company answers `To`: unknown, inactive, or not a phone number.
        case notServed(to: String, reason: String)
        /// The callback names no company that exists.
        case unknownCompany(CompanyID)
        /// It was not signed by the owning company's account (403).
        case rejected(WebhookRejection, CompanyID)
        /// The company cannot check signatures: no credentials, or a token this process
        /// cannot open.
        case misconfigured(WebhookRejection, CompanyID)
        /// The directory could not be reached.
        case unavailable(DirectoryError)
    }

    /// Decodes a request into a webhook.
    ///
    /// - Throws: ``WebhookRequestError`` (413 for a body over the limit, else 400).
    public func decode(
        host: String?, path: String, rawQuery: String, contentType: String?, body: [UInt8], signature: String?,
        signatureSettings: String? = nil, forwardedProto: String? = nil
    ) throws(WebhookRequestError) -> InboundWebhook {
        try InboundWebhook(
            host: host, path: path, rawQuery: rawQuery, contentType: contentType, body: body, signature: signature,
            signatureSettings: signatureSettings, publicBase: publicURL, forwardedProto: forwardedProto)
    }

    /// Admits a webhook about a number: a new call or message, found by its `To`. With
    /// `acceptingWhatsApp` (the SMS function), a `To` of `whatsapp:+1…` is found among
    /// the companies' WhatsApp senders, never among their ordinary numbers.
    public func admitByNumber(_ webhook: InboundWebhook, acceptingWhatsApp: Bool = false, now: Date = Date())
        -> Outcome
    {
        guard let dialled = webhook.parameters["To"], !dialled.isEmpty else { return .missingTo }
        let (channel, address) = acceptingWhatsApp ? MessageChannel.split(dialled) : (.sms, dialled)
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: address)
        } catch {
            return .notServed(to: String(dialled.prefix(40)), reason: "not an E.164 number: \(error)")
        }
        let found: TenantSnapshot?
        do {
            found =
                channel == .whatsapp
                ? try resolver.tenant(servingWhatsApp: number) : try resolver.tenant(servingNumber: number)
        } catch {
            return .unavailable(error)
        }
        guard let tenant = found else {
            return .notServed(
                to: channel.address(number),
                reason: channel == .whatsapp ? "no company has this WhatsApp sender" : "no company answers this number")
        }
        return authenticate(webhook, tenant, now: now)
    }

    /// Admits one of a function's own callbacks, found by the company id it carries.
    public func admitByCompany(_ webhook: InboundWebhook, id: CompanyID, now: Date = Date()) -> Outcome {
        let found: TenantSnapshot?
        do {
            found = try resolver.tenant(id: id)
        } catch {
            return .unavailable(error)
        }
        guard let tenant = found else { return .unknownCompany(id) }
        return authenticate(webhook, tenant, now: now)
    }

    private func authenticate(_ webhook: InboundWebhook, _ tenant: TenantSnapshot, now: Date) -> Outcome {
        do {
            try webhook.authenticate(for: tenant, vault: vault, now: now)
            return .admitted(tenant)
        } catch {
            switch error {
            case .missingSignature, .signatureMismatch, .accountMismatch, .sharedKeyRequired, .unknownSigningKey,
                .unsupportedSignatureAlgorithm:
                return .rejected(error, tenant.companyID)
            case .tenantHasNoCredentials, .tokenUnavailable: return .misconfigured(error, tenant.companyID)
            }
        }
    }
}
