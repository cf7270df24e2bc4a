import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Has Twilio sign a company's webhooks with a SharedKey Switchboard holds, instead of
/// its auth token, through Twilio's Webhooks configuration API (Public Beta), in the
/// company's own account and with its API key (the API asks for one):
///
/// - ``enable(_:algorithm:)`` creates a SharedKey, a Setting that signs with it, and a
///   `PREFIX_MATCH` Rule per webhook base of this deployment naming that Setting.
/// - ``rotate(_:now:)`` creates a new key and Setting, points the Rules at it, and keeps
///   the old key valid for the grace period (Twilio takes 30-60 s to apply a Rule).
/// - ``disable(_:)`` removes everything enable and rotate made.
///
/// Each returns the company to store (the new key's secret in clear, for the writer to
/// seal) and a report of what was done; nothing is stored here. A step that fails undoes
/// what the same call made at Twilio.
public struct WebhookSigningSetup {
    /// What was done, for the person or the API answer. Never carries a secret.
    public struct Report: Encodable, Sendable, Equatable {
        /// `enabled`, `rotated` or `disabled`.
        public let action: String
        /// The SharedKey Twilio now signs with; `nil` once disabled.
        public let sharedKey: String?
        public let algorithm: String?
        public let settingId: String?
        public let ruleIds: [String]
        /// The webhook URL prefixes the Rules match.
        public let prefixes: [String]
        /// The key a rotation replaced, and until when it is still accepted.
        public let previousKey: String?
        public let previousExpiresAt: String?
        /// What was removed at Twilio (SharedKeys, Settings, Rules), by id.
        public let removed: [String]
    }

    /// Why the set-up could not be done.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The configuration API needs an API key, and the company has none that opens.
        case needsAPIKey(CompanyID)
        /// The company has no Account SID.
        case noAccount(CompanyID)
        /// Rotate or disable asked of a company not signing with a SharedKey.
        case notEnabled(CompanyID)
        /// Enable asked of a company already signing with one.
        case alreadyEnabled(CompanyID, String)
        /// This deployment does not know its webhook URLs.
        case noWebhookURLs
        /// Twilio refused or could not be asked.
        case twilio(TwilioRESTError)

        public var description: String {
            switch self {
            case .needsAPIKey(let id):
                "company \(id) has no API key (apiKey and apiSecret): Twilio's Webhooks configuration API accepts only API keys"
            case .noAccount(let id): "company \(id) has no Twilio Account SID"
            case .notEnabled(let id): "company \(id) does not sign its webhooks with a shared key"
            case .alreadyEnabled(let id, let sid):
                "company \(id) already signs its webhooks with shared key \(sid); use rotate for a new one"
            case .noWebhookURLs:
                "this deployment does not know its webhook URLs: set SWITCHBOARD_PUBLIC_URL, or SWITCHBOARD_VOICE_URL and SWITCHBOARD_SMS_URL"
            case .twilio(let error): "\(error)"
            }
        }
    }

    private let client: TwilioRESTClient
    private let targets: WebhookTargets?
    private let sealer: SecretSealer
    private let gracePeriod: Duration

    /// - Parameter gracePeriod: how long a rotated-out key is still accepted
    ///   (`SWITCHBOARD_TOKEN_GRACE_HOURS`, as for auth tokens).
    public init(client: TwilioRESTClient, targets: WebhookTargets?, sealer: SecretSealer, gracePeriod: Duration) {
        self.client = client
        self.targets = targets
        self.sealer = sealer
        self.gracePeriod = gracePeriod
    }

    /// The URL prefixes a Rule must match so that every webhook of this deployment is
    /// signed with the key: each distinct base of the Voice and SMS URLs and their
    /// fallbacks (`…/api/twilio/` under a public URL, the whole Function URL otherwise).
    public static func prefixes(of targets: WebhookTargets) -> [String] {
        let urls =
            [targets.voiceURL, targets.smsURL] + [targets.voiceFallbackURL, targets.smsFallbackURL].compactMap { $0 }
        return Set(urls.map(prefix(of:))).sorted()
    }

    static func prefix(of url: String) -> String {
        var base = String(url.prefix { $0 != "?" })
        for route in ["/api/twilio/voice", "/api/twilio/sms"] where base.hasSuffix(route) {
            base.removeLast(route.count)
            return base + "/api/twilio/"
        }
        return base.hasSuffix("/") ? base : base + "/"
    }

    // MARK: Enable, rotate, disable

    /// Creates a SharedKey, a Setting signing with it and the Rules applying it.
    public func enable(_ company: Company, algorithm: WebhookSignatureAlgorithm = .hmacSHA256) throws(Failure) -> (
        Company, Report
    ) {
        if let key = company.twilio.webhookSharedKey { throw .alreadyEnabled(company.id, key.sid) }
        guard let targets else { throw .noWebhookURLs }
        let credentials = try self.credentials(of: company)
        var made = Made()
        do {
            let (key, setting) = try makeKeyAndSetting(
                company, algorithm: algorithm, credentials: credentials, made: &made)
            var rules: [String] = []
            for prefix in Self.prefixes(of: targets) {
                let rule = try client.createRule(
                    credentials, friendlyName: "Switchboard \(company.id) \(prefix)", prefix: prefix, settingId: setting
                )
                made.rules.append(rule.id)
                rules.append(rule.id)
            }
            var enabled = company
            enabled.twilio.webhookSigning = .sharedKey
            enabled.twilio.webhookSharedKey = WebhookSharedKey(
                sid: key.sid, secret: key.secret, algorithm: algorithm.rawValue, settingId: setting, ruleIds: rules)
            return (
                enabled,
                Report(
                    action: "enabled", key: enabled.twilio.webhookSharedKey, prefixes: Self.prefixes(of: targets),
                    previous: nil, removed: [])
            )
        } catch {
            undo(made, credentials: credentials)
            throw .twilio(error)
        }
    }

    /// A new SharedKey and Setting, the Rules pointed at them, the old key kept valid
    /// for the grace period; the key an earlier rotation replaced is removed at Twilio.
    public func rotate(_ company: Company, now: Date = Date()) throws(Failure) -> (Company, Report) {
        guard let current = company.twilio.webhookSharedKey else { throw .notEnabled(company.id) }
        guard let targets else { throw .noWebhookURLs }
        let credentials = try self.credentials(of: company)
        let algorithm = WebhookSignatureAlgorithm(rawValue: current.algorithm) ?? .hmacSHA256
        var made = Made()
        let rules: [String]
        let setting: String
        let key: (sid: String, secret: StoredSecret)
        do {
            (key, setting) = try makeKeyAndSetting(company, algorithm: algorithm, credentials: credentials, made: &made)
            // Each Rule now names the new Setting; one that is gone is made again.
            var pointed: [String] = []
            var covered: Set<String> = []
            for id in current.ruleIds {
                guard let rule = try client.fetchRule(credentials, id: id) else { continue }
                try client.pointRule(credentials, id: id, at: setting)
                if let old = current.settingId { made.repointed.append((id, old)) }
                pointed.append(id)
                if let prefix = rule.prefix { covered.insert(prefix) }
            }
            for prefix in Self.prefixes(of: targets) where !covered.contains(prefix) {
                let rule = try client.createRule(
                    credentials, friendlyName: "Switchboard \(company.id) \(prefix)", prefix: prefix, settingId: setting
                )
                made.rules.append(rule.id)
                pointed.append(rule.id)
            }
            rules = pointed
        } catch {
            undo(made, credentials: credentials)
            throw .twilio(error)
        }
        // The key replaced before this one is past use now: remove it at Twilio.
        var removed: [String] = []
        if let older = company.twilio.webhookSharedKeyPrevious { removed = remove(older, credentials: credentials) }
        var rotated = company
        var previous = current
        previous.ruleIds = []
        rotated.twilio.webhookSharedKeyPrevious = previous
        rotated.twilio.webhookSharedKeyPreviousExpiresAt = Timestamp.format(
            now.addingTimeInterval(Double(gracePeriod.components.seconds)))
        rotated.twilio.webhookSharedKey = WebhookSharedKey(
            sid: key.sid, secret: key.secret, algorithm: algorithm.rawValue, settingId: setting, ruleIds: rules)
        return (
            rotated,
            Report(
                action: "rotated", key: rotated.twilio.webhookSharedKey, prefixes: Self.prefixes(of: targets),
                previous: previous,
                previousExpiresAt: rotated.twilio.webhookSharedKeyPreviousExpiresAt, removed: removed)
        )
    }

    /// Removes the Rules, Settings and SharedKeys enable and rotate made; Twilio signs
    /// with the auth token again.
    public func disable(_ company: Company) throws(Failure) -> (Company, Report) {
        guard let current = company.twilio.webhookSharedKey else { throw .notEnabled(company.id) }
        let credentials = try self.credentials(of: company)
        var removed: [String] = []
        do {
            // The Rules first: until they are gone Twilio signs with the key.
            for id in current.ruleIds {
                try client.deleteWebhookResource(credentials, "Rules", id: id)
                removed.append(id)
            }
        } catch {
            throw .twilio(error)
        }
        removed += remove(current, credentials: credentials)
        if let older = company.twilio.webhookSharedKeyPrevious { removed += remove(older, credentials: credentials) }
        var disabled = company
        disabled.twilio.webhookSigning = nil
        disabled.twilio.webhookSharedKey = nil
        disabled.twilio.webhookSharedKeyPrevious = nil
        disabled.twilio.webhookSharedKeyPreviousExpiresAt = nil
        disabled.twilio.requireSharedKey = false
        return (disabled, Report(action: "disabled", key: nil, prefixes: [], previous: nil, removed: removed))
    }

    // MARK: Steps

    /// What one call made at Twilio, to undo it when a later step fails.
    private struct Made {
        var key: String?
        var setting: String?
        var rules: [String] = []
        /// Rules pointed at the new Setting, with the Setting they named before.
        var repointed: [(rule: String, setting: String)] = []
    }

    private func makeKeyAndSetting(
        _ company: Company, algorithm: WebhookSignatureAlgorithm, credentials: TwilioCredentials, made: inout Made
    ) throws(TwilioRESTError) -> ((sid: String, secret: StoredSecret), String) {
        let created = try client.createSharedKey(credentials, friendlyName: "Switchboard \(company.id)")
        made.key = created.id
        guard let secret = created.secret, !secret.isEmpty else {
            throw .unreadableResponse(status: 201, "the SharedKey's creation answered without its secret")
        }
        let setting = try client.createSigningSetting(
            credentials, friendlyName: "Switchboard \(company.id)", sharedKeyId: created.id,
            algorithm: algorithm.rawValue)
        made.setting = setting.id
        return ((created.id, .plaintext(secret)), setting.id)
    }

    /// Deletes what `made` lists, newest first; a failure here leaves the rest (reported
    /// by the caller's error).
    private func undo(_ made: Made, credentials: TwilioCredentials) {
        for (rule, setting) in made.repointed { try? client.pointRule(credentials, id: rule, at: setting) }
        for rule in made.rules { try? client.deleteWebhookResource(credentials, "Rules", id: rule) }
        if let setting = made.setting { try? client.deleteWebhookResource(credentials, "Settings", id: setting) }
        if let key = made.key { try? client.deleteWebhookResource(credentials, "SharedKeys", id: key) }
    }

    /// Deletes `key`'s Setting and the key at Twilio (no Rule names them any more); returns
    /// what was removed. A failure leaves the resource in the account, unused.
    private func remove(_ key: WebhookSharedKey, credentials: TwilioCredentials) -> [String] {
        var removed: [String] = []
        if let setting = key.settingId, (try? client.deleteWebhookResource(credentials, "Settings", id: setting)) != nil
        {
            removed.append(setting)
        }
        if (try? client.deleteWebhookResource(credentials, "SharedKeys", id: key.sid)) != nil {
            removed.append(key.sid)
        }
        return removed
    }

    /// The company's API key, which the configuration API requires.
    private func credentials(of company: Company) throws(Failure) -> TwilioCredentials {
        guard let account = company.twilio.accountSid else { throw .noAccount(company.id) }
        guard let key = company.twilio.apiKey, let sealed = company.twilio.apiSecret,
            let secret = try? sealer.open(sealed, companyID: company.id.rawValue, field: .apiSecret)
        else { throw .needsAPIKey(company.id) }
        return TwilioCredentials(accountSid: account, apiKey: key, apiSecret: secret)
    }
}

extension WebhookSigningSetup.Report {
    init(
        action: String, key: WebhookSharedKey?, prefixes: [String], previous: WebhookSharedKey?,
        previousExpiresAt: String? = nil, removed: [String]
    ) {
        self.init(
            action: action, sharedKey: key?.sid, algorithm: key?.algorithm, settingId: key?.settingId,
            ruleIds: key?.ruleIds ?? [],
            prefixes: prefixes, previousKey: previous?.sid, previousExpiresAt: previousExpiresAt, removed: removed)
    }
}
