#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The part of a company a webhook needs, and nothing more: who it is, the account that
/// must have signed the request, the *sealed* auth token, and how to answer.
///
/// This is what the resolver returns and what the phone → tenant cache stores, so a warm
/// webhook needs nothing else. The token stays sealed here; it is opened in memory only
/// to check one request's signature.
public struct TenantSnapshot: Codable, Sendable, Equatable {
    public var companyID: CompanyID
    public var companyName: String
    public var accountSid: String?
    public var authToken: StoredSecret?
    /// The replaced token, sealed, accepted until ``authTokenPreviousExpiresAt``.
    public var authTokenPrevious: StoredSecret?
    /// When the replaced token stops being accepted (ISO 8601).
    public var authTokenPreviousExpiresAt: String?
    public var callRoutingMode: String?
    public var forwardNumber: String?
    public var recordingEnabled: Bool
    public var whisperMessage: String?
    /// What a forwarded call nobody answers gets (`voicemail` when `nil`).
    public var forwardFallback: String?
    public var voicemailGreeting: String?
    public var agentStreamUrl: String?
    public var smsMode: String?
    public var smsAutoReply: String?
    public var smsForwardNumber: String?
    /// The SharedKey the company's webhooks are signed with (sealed), when there is one.
    public var webhookSharedKey: WebhookSharedKey?
    /// The SharedKey a rotation replaced (sealed), accepted until ``webhookSharedKeyPreviousExpiresAt``.
    public var webhookSharedKeyPrevious: WebhookSharedKey?
    public var webhookSharedKeyPreviousExpiresAt: String?
    /// Webhooks must carry the SharedKey's signature: no downgrade to the auth token.
    public var requireSharedKey: Bool?

    /// The snapshot of `company`.
    public init(_ company: Company) {
        companyID = company.id
        companyName = company.name
        accountSid = company.twilio.accountSid
        authToken = company.twilio.authToken
        if company.twilio.authTokenPrevious != nil, let expiry = company.twilio.authTokenPreviousExpiresAt {
            authTokenPrevious = company.twilio.authTokenPrevious
            authTokenPreviousExpiresAt = expiry
        }
        callRoutingMode = company.twilio.callRoutingMode
        forwardNumber = company.twilio.forwardNumber
        recordingEnabled = company.twilio.recordingEnabled
        whisperMessage = company.twilio.whisperMessage
        forwardFallback = company.twilio.forwardFallback
        voicemailGreeting = company.twilio.voicemailGreeting
        agentStreamUrl = company.twilio.agentStreamUrl
        smsMode = company.twilio.smsMode
        smsAutoReply = company.twilio.smsAutoReply
        smsForwardNumber = company.twilio.smsForwardNumber
        webhookSharedKey = company.twilio.webhookSharedKey
        if company.twilio.webhookSharedKeyPrevious != nil, let expiry = company.twilio.webhookSharedKeyPreviousExpiresAt
        {
            webhookSharedKeyPrevious = company.twilio.webhookSharedKeyPrevious
            webhookSharedKeyPreviousExpiresAt = expiry
        }
        requireSharedKey = company.twilio.requireSharedKey ? true : nil
    }

    /// The routing mode, or `nil` when none or an unknown one is stored.
    public var routingMode: CallRoutingMode? {
        callRoutingMode.flatMap(CallRoutingMode.init(rawValue:))
    }

    /// The SMS mode, or `nil` when an unknown one is stored (no mode stored is `none`).
    public var messageMode: SMSMode? { SMSMode(stored: smsMode) }

    /// What a forwarded call nobody answers gets; an unknown stored value is `voicemail`,
    /// which never leaves a caller with nothing.
    public var forwardFallbackMode: ForwardFallback { ForwardFallback(stored: forwardFallback) ?? .voicemail }

    /// The SharedKey with id `sid` when webhooks signed with it are accepted at `now`: the
    /// company's current key, or the one it replaced, within its grace period.
    public func sharedKey(named sid: String, at now: Date) -> WebhookSharedKey? {
        if let current = webhookSharedKey, current.sid == sid { return current }
        guard let previous = webhookSharedKeyPrevious, previous.sid == sid,
            let text = webhookSharedKeyPreviousExpiresAt,
            let expiry = Timestamp.parse(text), now < expiry
        else { return nil }
        return previous
    }

    /// The replaced auth token when it is still accepted at `now`: within its grace
    /// period. A previous token without a readable expiry is not accepted.
    public func previousAuthToken(at now: Date) -> StoredSecret? {
        guard let previous = authTokenPrevious, let text = authTokenPreviousExpiresAt,
            let expiry = Timestamp.parse(text), now < expiry
        else { return nil }
        return previous
    }
}

/// Finds the tenant a webhook belongs to. The plain resolver asks the directory; the
/// cache-aside resolver puts Redis in front of it.
public protocol TenantResolver: AnyObject {
    /// The tenant answering calls and messages to `number`, or `nil`.
    func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot?
    /// The tenant with id `id`, or `nil`.
    func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot?
    /// Logs what the resolver has counted (cache hits and misses), if it counts anything.
    func logStatistics()
}

extension TenantResolver {
    public func logStatistics() {}
}

/// Resolves tenants straight from the directory.
public final class DirectoryTenantResolver: TenantResolver {
    private let directory: any TenantDirectory

    public init(directory: any TenantDirectory) {
        self.directory = directory
    }

    public func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try directory.company(servingNumber: number).map(TenantSnapshot.init)
    }

    public func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot? {
        try directory.company(id: id).map(TenantSnapshot.init)
    }
}
