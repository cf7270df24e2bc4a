#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one path by which a company's settings are written, whoever writes them (`seed`,
/// the config API, `rotate-token`): it checks the settings (``CompanyValidator``), stores every
/// number in E.164, keeps a replaced auth token for its grace period, seals secrets
/// given in clear, stamps `lastUpdated`/`updatedBy`, saves through the directory (which
/// enforces number ownership) and then, once the save has committed, invalidates every
/// cache entry for the company and for each number it had before or has now.
public struct CompanySettingsWriter {
    private let directory: any TenantDirectory
    private let sealer: SecretSealer
    private let cache: (any TenantCacheInvalidating)?
    private let tokenGracePeriod: Duration
    /// Where a saved company is made due for a health check.
    private let health: any CompanyHealthStore

    /// The default time a replaced auth token is still accepted: 72 hours.
    public static let defaultTokenGracePeriod: Duration = .seconds(72 * 3_600)

    /// A writer saving to `store`'s directory (and making a saved company due in its
    /// health store), sealing with `sealer`, invalidating `cache`, and accepting a
    /// replaced auth token for `tokenGracePeriod`.
    public init(
        store: any SwitchboardStore, sealer: SecretSealer, cache: (any TenantCacheInvalidating)? = nil,
        tokenGracePeriod: Duration = CompanySettingsWriter.defaultTokenGracePeriod
    ) {
        directory = store.directory
        self.sealer = sealer
        self.cache = cache
        self.tokenGracePeriod = tokenGracePeriod
        health = store.healthStore()
    }

    /// What a save did.
    public struct Saved: Sendable {
        /// The company as stored.
        public let company: Company
        /// The company as it was before, or `nil` when it is new.
        public let previous: Company?
        /// True when the auth token was replaced and the old one kept for the grace period.
        public let tokenRotated: Bool
        /// False when the cache could not be told (it then serves the old settings for
        /// at most its TTL); true when it was, or when there is no cache.
        public let cacheInvalidated: Bool
        /// False when the company could not be made due for a health check (the sweep
        /// then reaches it in its turn); true when it was.
        public let healthCheckDue: Bool
    }

    /// Checks, seals and saves `company`, returning what was stored.
    ///
    /// When the auth token changes, the token it replaces is kept, sealed, as
    /// `authTokenPrevious` until `now` + the grace period, so webhooks Twilio signs with
    /// the old token are still accepted while the customer promotes the new one. A
    /// previous token whose grace period is over is dropped.
    ///
    /// - Parameters:
    ///   - company: the settings; its secrets may be in clear or already sealed.
    ///   - updatedBy: who is making the change, recorded in `updatedBy`.
    ///   - now: the time recorded in `lastUpdated`.
    ///   - expected: the company as the caller read it; the save then happens only if
    ///     it is still stored so (compare-and-set), else ``DirectoryError/changedMeanwhile(_:)``.
    ///   - endingTokenGracePeriod: drop the replaced token now instead of keeping it.
    /// - Throws: ``DirectoryError/invalidCompany(_:)`` naming the first problem,
    ///   ``DirectoryError/numberTaken(_:)``, ``DirectoryError/changedMeanwhile(_:)``.
    ///   Nothing is written when it throws.
    @discardableResult
    public func save(
        _ company: Company, updatedBy: String, now: Date = Date(), replacing expected: Company? = nil,
        endingTokenGracePeriod: Bool = false
    ) throws(DirectoryError) -> Saved {
        let normalized = company.normalizingNumbers()
        try CompanyValidator.check(normalized)
        let stored = try directory.company(id: company.id)
        if let expected, stored != expected { throw .changedMeanwhile(company.id) }
        let current = stored
        var next = normalized
        let rotated = rotateAuthToken(&next.twilio, current: current, now: now)
        if endingTokenGracePeriod {
            next.twilio.authTokenPrevious = nil
            next.twilio.authTokenPreviousExpiresAt = nil
        }
        next.twilio.authToken = seal(next.twilio.authToken, company.id, .authToken)
        next.twilio.apiSecret = seal(next.twilio.apiSecret, company.id, .apiSecret)
        // A SharedKey's secret (current or replaced) is sealed like the auth token; a replaced
        // key whose grace period is over is dropped.
        for keyPath in [\TwilioConfig.webhookSharedKey, \TwilioConfig.webhookSharedKeyPrevious] {
            if let key = next.twilio[keyPath: keyPath] {
                next.twilio[keyPath: keyPath]?.secret = seal(key.secret, company.id, .webhookSharedKey) ?? key.secret
            }
        }
        if next.twilio.webhookSharedKeyPrevious == nil
            || !(next.twilio.webhookSharedKeyPreviousExpiresAt.flatMap(Timestamp.parse).map { $0 > now } ?? false)
        {
            next.twilio.webhookSharedKeyPrevious = nil
            next.twilio.webhookSharedKeyPreviousExpiresAt = nil
        }
        next.twilio.lastUpdated = Timestamp.format(Self.stamp(after: current?.twilio.lastUpdated, now: now))
        next.twilio.updatedBy = updatedBy
        if let expected {
            try directory.save(next, replacing: expected)
        } else {
            try directory.save(next)
        }
        let numbers = (current?.allNumbers ?? []).union(next.allNumbers)
        let invalidated = cache?.invalidate(companyID: next.id, numbers: numbers) ?? true
        // A changed company is checked first by the next sweep pass.
        let due = (try? health.markDue(next, at: now)) != nil
        return Saved(
            company: next, previous: current, tokenRotated: rotated, cacheInvalidated: invalidated, healthCheckDue: due)
    }

    /// `now`, or a millisecond after `previous` when that is not earlier: `lastUpdated`
    /// only moves forward, which is what MongoDB's compare-and-set guards on.
    public static func stamp(after previous: String?, now: Date) -> Date {
        guard let previous, let last = Timestamp.parse(previous) else { return now }
        return now > last ? now : last.addingTimeInterval(0.001)
    }

    /// Decides the auth token fields of `config` against the `current` stored company:
    /// an unchanged token keeps its sealed value; a changed one moves the old token to
    /// `authTokenPrevious` (sealed for that field) with an expiry; an expired previous
    /// token, or one left with no token at all, is dropped. Returns whether it rotated.
    private func rotateAuthToken(_ config: inout TwilioConfig, current: Company?, now: Date) -> Bool {
        let id = current?.id.rawValue ?? ""
        var oldToken: String?
        if let current, let stored = current.twilio.authToken {
            oldToken = try? sealer.open(stored, companyID: id, field: .authToken)
        }
        let newToken: String?
        switch config.authToken {
        case .plaintext(let value)?: newToken = value.isEmpty ? nil : value
        case .sealed?: newToken = config.authToken == current?.twilio.authToken ? oldToken : nil
        case nil: newToken = nil
        }
        if let current {
            config.authTokenPrevious = current.twilio.authTokenPrevious
            config.authTokenPreviousExpiresAt = current.twilio.authTokenPreviousExpiresAt
        }
        var rotated = false
        if let oldToken, let newToken, oldToken == newToken {
            config.authToken = current?.twilio.authToken  // unchanged: keep the sealed value as it is
        } else if let oldToken, config.authToken != nil, config.authToken != current?.twilio.authToken {
            config.authTokenPrevious = .sealed(sealer.seal(oldToken, companyID: id, field: .authTokenPrevious))
            config.authTokenPreviousExpiresAt = Timestamp.format(
                now.addingTimeInterval(Double(tokenGracePeriod.components.seconds)))
            rotated = true
        }
        let stillAccepted = config.authTokenPreviousExpiresAt.flatMap(Timestamp.parse).map { $0 > now } ?? false
        if config.authToken == nil || config.authTokenPrevious == nil || !stillAccepted {
            config.authTokenPrevious = nil
            config.authTokenPreviousExpiresAt = nil
        }
        return rotated
    }

    private func seal(_ secret: StoredSecret?, _ id: CompanyID, _ field: SecretField) -> StoredSecret? {
        switch secret {
        case .plaintext(let value) where value.isEmpty: nil
        case .plaintext(let value): .sealed(sealer.seal(value, companyID: id.rawValue, field: field))
        case let other: other
        }
    }
}

/// Twilio's resource ids: a two-letter prefix and 32 hex digits.
public enum TwilioSID {
    /// True when `text` is `prefix` followed by 32 hex digits.
    public static func isValid(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 32 else { return false }
        return text.utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
        }
    }
}
