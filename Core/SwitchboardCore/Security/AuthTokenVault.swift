/// Opens tenants' sealed auth tokens for signature checks, keeping each opened token in
/// this process's memory so a warm process decrypts a tenant's token once, not on every
/// call.
///
/// Entries are kept by company and field with the sealed value they came from, so a
/// token that changes (a new sealed value) is opened afresh and replaces its entry. Opened
/// tokens never leave memory: the vault is not persisted, printed or cached elsewhere.
/// Used from one thread, like the rest of a function process.
public final class AuthTokenVault {
    private let sealer: SecretSealer
    /// Opened tokens by company and field, with the sealed value they were opened from.
    private var opened: [Key: (stored: String, token: TwilioAuthToken)] = [:]
    /// Opened SharedKey secrets by company and key id, keyed for the algorithm they were
    /// asked for.
    private var openedSharedKeys: [SharedKeyEntry: (stored: String, key: WebhookSigningKey)] = [:]

    private struct SharedKeyEntry: Hashable {
        let companyID: String
        let sid: String
        let algorithm: String
    }

    private struct Key: Hashable {
        let companyID: String
        let field: SecretField
    }
    private let capacity: Int

    /// A vault opening tokens with `sealer`, holding at most `capacity` tokens.
    public init(sealer: SecretSealer, capacity: Int = 1_024) {
        self.sealer = sealer
        self.capacity = capacity
    }

    /// The id of the key new values are sealed with.
    public var currentKeyID: String { sealer.currentKeyID }

    /// A company's auth token (or, with `field` `.authTokenPrevious`, the one it
    /// replaced) in clear.
    ///
    /// - Throws: ``SealingError`` when it cannot be opened with the configured keys.
    public func authToken(
        of companyID: CompanyID, stored: StoredSecret, field: SecretField = .authToken
    ) throws(SealingError) -> TwilioAuthToken {
        let key = Key(companyID: companyID.rawValue, field: field)
        if let known = opened[key], known.stored == stored.stored { return known.token }
        let token = TwilioAuthToken(try sealer.open(stored, companyID: companyID.rawValue, field: field))
        if opened.count >= capacity { opened.removeAll(keepingCapacity: true) }
        opened[key] = (stored.stored, token)
        return token
    }

    /// A company's SharedKey `sharedKey` in clear, as an HMAC key for `algorithm`.
    ///
    /// - Throws: ``SealingError`` when its secret cannot be opened with the configured keys.
    public func signingKey(
        of companyID: CompanyID, sharedKey: WebhookSharedKey, algorithm: WebhookSignatureAlgorithm
    ) throws(SealingError) -> WebhookSigningKey {
        let entry = SharedKeyEntry(companyID: companyID.rawValue, sid: sharedKey.sid, algorithm: algorithm.rawValue)
        if let known = openedSharedKeys[entry], known.stored == sharedKey.secret.stored { return known.key }
        let key = WebhookSigningKey(
            secret: try sealer.open(sharedKey.secret, companyID: companyID.rawValue, field: .webhookSharedKey),
            algorithm: algorithm)
        if openedSharedKeys.count >= capacity { openedSharedKeys.removeAll(keepingCapacity: true) }
        openedSharedKeys[entry] = (sharedKey.secret.stored, key)
        return key
    }
}
