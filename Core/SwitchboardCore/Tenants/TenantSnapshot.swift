#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The part of a company a webhook needs, and nothing more: who it is, the account that
/// must have signed the request, the *sealed* auth token, and how to answer — the
/// settings ``CompanySettings`` declares `webhook`, read as `tenant.forwardNumber`.
///
/// This is what the resolver returns and what the phone → tenant cache stores, so a warm
/// webhook needs nothing else. The token stays sealed here; it is opened in memory only
/// to check one request's signature.
@dynamicMemberLookup
public struct TenantSnapshot: Codable, Sendable, Equatable {
    public var companyID: CompanyID
    public var companyName: String
    /// The webhook settings; every other setting is left empty.
    public var settings: TwilioConfig

    /// A webhook setting: `tenant.forwardNumber`.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<TwilioConfig, Value>) -> Value {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    /// The snapshot of `company`: its webhook settings, a replaced token or SharedKey
    /// only while it has an expiry to be accepted until.
    public init(_ company: Company) {
        companyID = company.id
        companyName = company.name
        settings = Self.webhookSettings(of: company.twilio)
    }

    /// The company's settings with every one a webhook does not need cleared: one copy
    /// of the whole, then the few others emptied (copying the webhook ones one by one,
    /// each through its closures, cost a callback several times as much).
    private static func webhookSettings(of config: TwilioConfig) -> TwilioConfig {
        var settings = config
        for setting in CompanySettings.notWebhook { setting.copy(empty, &settings) }
        return acceptedPairs(settings)
    }

    private static let empty = TwilioConfig()

    /// A replaced token or SharedKey goes only with the time it is accepted until.
    private static func acceptedPairs(_ settings: TwilioConfig) -> TwilioConfig {
        var settings = settings
        if settings.authTokenPreviousExpiresAt == nil { settings.authTokenPrevious = nil }
        if settings.authTokenPrevious == nil { settings.authTokenPreviousExpiresAt = nil }
        if settings.webhookSharedKeyPreviousExpiresAt == nil { settings.webhookSharedKeyPrevious = nil }
        if settings.webhookSharedKeyPrevious == nil { settings.webhookSharedKeyPreviousExpiresAt = nil }
        return settings
    }

    private enum IdentityKeys: String, CodingKey { case companyID, companyName }

    /// The snapshot read straight from a stored company document (`{_id, companyName,
    /// twilioConfig}`): its webhook settings only, the rest of the document (its numbers,
    /// its API key) not decoded. What a number lookup on the embedded store reads.
    struct FromDocument: Decodable {
        let snapshot: TenantSnapshot

        private enum DocumentKeys: String, CodingKey {
            case id = "_id"
            case name = "companyName"
            case twilio = "twilioConfig"
        }

        init(from decoder: any Decoder) throws {
            let document = try decoder.container(keyedBy: DocumentKeys.self)
            var settings = TwilioConfig()
            if document.contains(.twilio) {
                let config = try document.nestedContainer(keyedBy: SettingKey.self, forKey: .twilio)
                for setting in CompanySettings.webhook { try setting.decode(config, &settings) }
            }
            snapshot = TenantSnapshot(
                companyID: try document.decode(CompanyID.self, forKey: .id),
                companyName: try document.decodeIfPresent(String.self, forKey: .name) ?? "",
                settings: TenantSnapshot.acceptedPairs(settings))
        }
    }

    private init(companyID: CompanyID, companyName: String, settings: TwilioConfig) {
        self.companyID = companyID
        self.companyName = companyName
        self.settings = settings
    }

    /// Flat, as the cache has always held it: `{"companyID": …, "companyName": …,
    /// "accountSid": …, …}`.
    public init(from decoder: any Decoder) throws {
        let identity = try decoder.container(keyedBy: IdentityKeys.self)
        companyID = try identity.decode(CompanyID.self, forKey: .companyID)
        companyName = try identity.decode(String.self, forKey: .companyName)
        let container = try decoder.container(keyedBy: SettingKey.self)
        var settings = TwilioConfig()
        for setting in CompanySettings.webhook { try setting.decode(container, &settings) }
        self.settings = settings
    }

    public func encode(to encoder: any Encoder) throws {
        var identity = encoder.container(keyedBy: IdentityKeys.self)
        try identity.encode(companyID, forKey: .companyID)
        try identity.encode(companyName, forKey: .companyName)
        var container = encoder.container(keyedBy: SettingKey.self)
        for setting in CompanySettings.webhook { try setting.encode(settings, &container) }
    }

    /// The SharedKey with id `sid` when webhooks signed with it are accepted at `now`: the
    /// company's current key, or the one it replaced, within its grace period.
    public func sharedKey(named sid: String, at now: Date) -> WebhookSharedKey? {
        if let current = settings.webhookSharedKey, current.sid == sid { return current }
        guard let previous = settings.webhookSharedKeyPrevious, previous.sid == sid,
            let text = settings.webhookSharedKeyPreviousExpiresAt,
            let expiry = Timestamp.parse(text), now < expiry
        else { return nil }
        return previous
    }

    /// The replaced auth token when it is still accepted at `now`: within its grace
    /// period. A previous token without a readable expiry is not accepted.
    public func previousAuthToken(at now: Date) -> StoredSecret? {
        guard let previous = settings.authTokenPrevious, let text = settings.authTokenPreviousExpiresAt,
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
    /// The tenant answering WhatsApp messages to its sender `number`, or `nil`.
    func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot?
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
        try directory.tenant(servingNumber: number)
    }

    public func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try directory.tenant(servingWhatsApp: number)
    }

    public func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot? {
        try directory.company(id: id).map(TenantSnapshot.init)
    }
}
