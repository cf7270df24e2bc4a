#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one path by which a company's settings are written, whoever writes them (the
/// seed command today, the config API and the migration later): it checks the
/// settings, seals secrets given in clear, stamps `lastUpdated`/`updatedBy`, saves
/// through the directory (which enforces number ownership) and then, once the save
/// has committed, invalidates every cache entry for the company and for each number it
/// had before or has now.
public struct CompanySettingsWriter {
    private let directory: any TenantDirectory
    private let sealer: SecretSealer
    private let cache: (any TenantCacheInvalidating)?

    /// A writer saving to `directory`, sealing with `sealer`, invalidating `cache`.
    public init(directory: any TenantDirectory, sealer: SecretSealer, cache: (any TenantCacheInvalidating)? = nil) {
        self.directory = directory
        self.sealer = sealer
        self.cache = cache
    }

    /// What a save did.
    public struct Saved: Sendable {
        /// The company as stored.
        public let company: Company
        /// False when the cache could not be told (it then serves the old settings for
        /// at most its TTL); true when it was, or when there is no cache.
        public let cacheInvalidated: Bool
    }

    /// Checks, seals and saves `company`, returning what was stored.
    ///
    /// - Parameters:
    ///   - company: the settings; its secrets may be in clear or already sealed.
    ///   - updatedBy: who is making the change, recorded in `updatedBy`.
    ///   - now: the time recorded in `lastUpdated`.
    /// - Throws: ``DirectoryError/invalidCompany(_:)`` naming the first problem, or
    ///   ``DirectoryError/numberTaken(_:)``. Nothing is written when it throws.
    @discardableResult
    public func save(_ company: Company, updatedBy: String, now: Date = Date()) throws(DirectoryError) -> Saved {
        try Self.check(company)
        var stored = company
        stored.twilio.authToken = seal(company.twilio.authToken, company.id, .authToken)
        stored.twilio.apiSecret = seal(company.twilio.apiSecret, company.id, .apiSecret)
        stored.twilio.lastUpdated = now.formatted(.iso8601)
        stored.twilio.updatedBy = updatedBy
        let previousNumbers = cache == nil ? [] : (try directory.company(id: company.id)?.allNumbers ?? [])
        try directory.save(stored)
        let invalidated = cache?.invalidate(companyID: stored.id, numbers: previousNumbers.union(stored.allNumbers)) ?? true
        return Saved(company: stored, cacheInvalidated: invalidated)
    }

    private func seal(_ secret: StoredSecret?, _ id: CompanyID, _ field: SecretField) -> StoredSecret? {
        switch secret {
        case .plaintext(let value) where value.isEmpty: nil
        case .plaintext(let value): .sealed(sealer.seal(value, companyID: id.rawValue, field: field))
        case let other: other
        }
    }

    /// The rules a company's settings must meet to be saved.
    static func check(_ company: Company) throws(DirectoryError) {
        let config = company.twilio
        guard !company.name.isEmpty, company.name.count <= 200 else {
            throw .invalidCompany("companyName must be 1-200 characters")
        }
        if let sid = config.accountSid, !TwilioSID.isValid(sid, prefix: "AC") {
            throw .invalidCompany("accountSid must be AC followed by 32 hex digits")
        }
        if let key = config.apiKey, !TwilioSID.isValid(key, prefix: "SK") {
            throw .invalidCompany("apiKey must be SK followed by 32 hex digits")
        }
        if let mode = config.callRoutingMode, CallRoutingMode(rawValue: mode) == nil {
            let known = CallRoutingMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidCompany("callRoutingMode must be one of \(known)")
        }
        if let forward = config.forwardNumber {
            do { _ = try PhoneNumber(parsing: forward) } catch {
                throw .invalidCompany("forwardNumber \(error)")
            }
        }
        if config.routingMode == .forward && (config.forwardNumber ?? "").isEmpty {
            throw .invalidCompany("callRoutingMode forward needs a forwardNumber")
        }
        if let url = config.agentStreamUrl, !StreamURL.isValid(url) {
            throw .invalidCompany("agentStreamUrl must be a wss:// URL")
        }
        for (field, text) in [("whisperMessage", config.whisperMessage), ("voicemailGreeting", config.voicemailGreeting)] {
            if let text, text.count > 1_000 { throw .invalidCompany("\(field) must be at most 1000 characters") }
        }
        if let (stored, reason) = company.invalidNumbers.first {
            throw .invalidCompany("phone number \"\(stored.prefix(40))\" \(reason)")
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
