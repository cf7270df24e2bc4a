import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Seals and opens the secrets Switchboard keeps at rest (a company's `authToken` and
/// `apiSecret`) with AES-256-GCM.
///
/// A sealed value is text, so it fits the same document field a plaintext value held:
///
///     sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
///
/// The key id is the first 8 hex digits of SHA-256 of the key, so a value names the key
/// that sealed it and keys can rotate: seal with the current key, open with whichever
/// key the value names (the current one or one of the previous ones still configured).
/// The authenticated data binds each value to its company and field, so a sealed token
/// copied into another company's document does not open there.
public struct SecretSealer: Sendable {
    /// A 32-byte data key and its id.
    public struct DataKey: Sendable {
        let key: SymmetricKey
        /// The id written into every value this key seals.
        public let id: String

        /// A key from its 32 raw bytes.
        public init(bytes: [UInt8]) throws(SealingError) {
            guard bytes.count == 32 else { throw .malformedKey("must be 32 bytes, got \(bytes.count)") }
            key = SymmetricKey(data: bytes)
            id = SHA256.hash(data: bytes).prefix(4).lowercaseHex
        }

        /// A key from standard base64 of 32 bytes, as `SWITCHBOARD_DATA_KEY` holds it.
        public init(base64: String) throws(SealingError) {
            guard let data = Data(base64Encoded: base64.trimmingASCIIWhitespace().description) else {
                throw .malformedKey("is not base64")
            }
            try self.init(bytes: Array(data))
        }
    }

    static let prefix = "sealed:v1:"

    private let current: DataKey
    private let keysByID: [String: DataKey]

    /// A sealer that seals with `current` and opens values sealed by it or by any of
    /// `previous`.
    public init(current: DataKey, previous: [DataKey] = []) {
        self.current = current
        var keys: [String: DataKey] = [:]
        for key in previous { keys[key.id] = key }
        keys[current.id] = current
        keysByID = keys
    }

    /// The id of the key new values are sealed with.
    public var currentKeyID: String { current.id }

    /// Seals `plaintext` for `field` of company `companyID`.
    public func seal(_ plaintext: String, companyID: String, field: SecretField) -> SealedSecret {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(
                Array(plaintext.utf8),
                using: current.key,
                authenticating: Array(Self.context(companyID: companyID, field: field).utf8)
            )
        } catch {
            // AES-GCM sealing with a valid 256-bit key and a fresh random nonce cannot fail.
            preconditionFailure("AES-GCM seal failed: \(error)")
        }
        let payload = Data(box.nonce) + box.ciphertext + box.tag
        return SealedSecret(stored: Self.prefix + current.id + ":" + payload.base64URLEncoded())
    }

    /// Opens a stored secret: a sealed value is decrypted, a legacy plaintext value is
    /// returned as it is (the migration command seals those).
    ///
    /// - Throws: ``SealingError`` when the value names a key this process does not have,
    ///   is damaged, or was sealed for another company or field.
    public func open(_ secret: StoredSecret, companyID: String, field: SecretField) throws(SealingError) -> String {
        switch secret {
        case .plaintext(let value):
            return value
        case .sealed(let sealed):
            let body = sealed.stored.dropFirst(Self.prefix.count)
            guard let colon = body.firstIndex(of: ":") else { throw .damaged }
            let keyID = String(body[..<colon])
            guard let key = keysByID[keyID] else { throw .unknownKey(keyID) }
            guard let payload = Data(base64URLEncoded: body[body.index(after: colon)...]),
                payload.count >= 12 + 16
            else { throw .damaged }
            do {
                // The payload is AES-GCM's combined form: nonce (12 bytes), ciphertext, tag.
                let box = try AES.GCM.SealedBox(combined: payload)
                let plain = try AES.GCM.open(
                    box,
                    using: key.key,
                    authenticating: Array(Self.context(companyID: companyID, field: field).utf8)
                )
                guard let text = String(validating: plain, as: UTF8.self) else { throw SealingError.damaged }
                return text
            } catch {
                throw .authenticationFailed
            }
        }
    }

    /// Which of the configured keys opens a stored secret, without opening it for anyone
    /// to see: for `explain` and `doctor`.
    public func keyStatus(of secret: StoredSecret, companyID: String, field: SecretField) -> KeyStatus {
        guard case .sealed(let sealed) = secret else { return .plaintext }
        guard let keyID = sealed.keyID else { return .damaged }
        guard keysByID[keyID] != nil else { return .unknownKey(keyID) }
        guard (try? open(secret, companyID: companyID, field: field)) != nil else { return .doesNotOpen(keyID) }
        return keyID == current.id ? .current(keyID) : .previous(keyID)
    }

    /// Which key a stored secret needs.
    public enum KeyStatus: Sendable, Equatable, CustomStringConvertible {
        /// Stored in clear (an older document): opens without a key.
        case plaintext
        /// Sealed under the current key.
        case current(String)
        /// Sealed under a key in `SWITCHBOARD_DATA_KEY_PREVIOUS` only.
        case previous(String)
        /// Sealed under a key this process was not given.
        case unknownKey(String)
        /// The key is here, but the value does not open (damaged, or another company's).
        case doesNotOpen(String)
        /// Not in the sealed format at all.
        case damaged

        /// True when the secret can be used.
        public var opens: Bool {
            switch self {
            case .plaintext, .current, .previous: true
            case .unknownKey, .doesNotOpen, .damaged: false
            }
        }

        public var description: String {
            switch self {
            case .plaintext: "stored in clear (run `switchboard migrate --apply` to seal it)"
            case .current(let id): "opens under the current data key (key id \(id))"
            case .previous(let id):
                "opens only under a previous data key (key id \(id), from SWITCHBOARD_DATA_KEY_PREVIOUS)"
            case .unknownKey(let id): "sealed under key id \(id), which is not configured: it does not open"
            case .doesNotOpen(let id):
                "sealed under key id \(id), but does not open (damaged, or copied from another company)"
            case .damaged: "not in the sealed format: it does not open"
            }
        }
    }

    private static func context(companyID: String, field: SecretField) -> String {
        "switchboard/v1/\(companyID)/\(field.rawValue)"
    }
}

/// Which secret of a company's Twilio settings a sealed value holds.
public enum SecretField: String, Sendable {
    case authToken = "twilioConfig.authToken"
    /// The replaced auth token kept through a rotation's grace period.
    case authTokenPrevious = "twilioConfig.authTokenPrevious"
    case apiSecret = "twilioConfig.apiSecret"
    /// A webhook SharedKey's secret, current or replaced.
    case webhookSharedKey = "twilioConfig.webhookSharedKey.secret"
}

/// Why a secret could not be sealed or opened. Never carries the secret.
public enum SealingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configured key is not 32 bytes of base64; the text says which way.
    case malformedKey(String)
    /// The value was sealed with a key id this process was not given.
    case unknownKey(String)
    /// The value is not in the `sealed:v1:` format.
    case damaged
    /// The value did not authenticate: wrong key, tampering, or another company's value.
    case authenticationFailed

    public var description: String {
        switch self {
        case .malformedKey(let why): "data key \(why)"
        case .unknownKey(let id): "secret was sealed with key id \(id), which is not configured"
        case .damaged: "sealed secret is damaged"
        case .authenticationFailed: "sealed secret does not open with the configured key for this company and field"
        }
    }
}

/// A secret as a document stores it: sealed, or (in documents the earlier system wrote)
/// in clear. Prints as `<redacted>` either way.
public enum StoredSecret: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    case sealed(SealedSecret)
    case plaintext(String)

    /// Reads a stored field: a `sealed:v1:` value is sealed, anything else is plaintext.
    public init(stored: String) {
        if stored.hasPrefix(SecretSealer.prefix) {
            self = .sealed(SealedSecret(stored: stored))
        } else {
            self = .plaintext(stored)
        }
    }

    /// The text kept in the document.
    public var stored: String {
        switch self {
        case .sealed(let sealed): sealed.stored
        case .plaintext(let value): value
        }
    }

    /// True when the value is sealed.
    public var isSealed: Bool {
        if case .sealed = self { return true }
        return false
    }

    public init(from decoder: any Decoder) throws {
        self.init(stored: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(stored)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// A sealed secret's stored text, `sealed:v1:<key id>:<payload>`.
public struct SealedSecret: Sendable, Equatable, Hashable {
    /// The text kept in the document and the cache.
    public let stored: String

    /// The id of the key that sealed it.
    public var keyID: String? {
        let body = stored.dropFirst(SecretSealer.prefix.count)
        guard let colon = body.firstIndex(of: ":") else { return nil }
        return String(body[..<colon])
    }
}

extension Data {
    /// The bytes in base64url (RFC 4648 §5), without padding.
    public func base64URLEncoded() -> String {
        String(base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
    }

    /// Bytes from base64url text, padded or not; `nil` when it is not base64url.
    public init?(base64URLEncoded text: Substring) {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while standard.utf8.count % 4 != 0 { standard += "=" }
        self.init(base64Encoded: standard)
    }
}
