import Crypto

/// A company's Twilio auth token in clear, held only in memory while a request is checked.
///
/// It prints as `<redacted>` wherever it is interpolated, so a log line or an error built
/// carelessly around it still does not leak it.
public struct TwilioAuthToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token's bytes, the HMAC key for request signatures.
    let bytes: [UInt8]
    /// An HMAC-SHA1 already keyed with the token, copied for each signature: a warm
    /// process (whose ``AuthTokenVault`` keeps opened tokens) does not key it again.
    let keyedMAC: HMAC<Insecure.SHA1>

    /// Wraps a token in clear.
    public init(_ value: String) {
        self.bytes = Array(value.utf8)
        self.keyedMAC = HMAC<Insecure.SHA1>(key: SymmetricKey(data: bytes))
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// A key a webhook signature is checked with, in memory only: a company's auth token
/// (HMAC-SHA1, Twilio's default) or one of its SharedKeys' secrets with the algorithm
/// Twilio names (HMAC-SHA256 or HMAC-SHA1).
///
/// It prints as `<redacted>`.
public struct WebhookSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    enum KeyedMAC: Sendable {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
    }

    /// The HMAC, keyed once and copied for each signature.
    let mac: KeyedMAC

    /// `secret` as an HMAC key for `algorithm`.
    public init(secret: String, algorithm: WebhookSignatureAlgorithm) {
        let key = SymmetricKey(data: Array(secret.utf8))
        switch algorithm {
        case .hmacSHA1: mac = .sha1(HMAC<Insecure.SHA1>(key: key))
        case .hmacSHA256: mac = .sha256(HMAC<SHA256>(key: key))
        }
    }

    /// A company's auth token, which Twilio signs with by default (HMAC-SHA1).
    public init(_ token: TwilioAuthToken) {
        mac = .sha1(token.keyedMAC)
    }

    /// The MAC of `message`.
    func authenticationCode(of message: UnsafeRawBufferPointer) -> [UInt8] {
        switch mac {
        case .sha1(var keyed):
            keyed.update(data: message)
            return Array(keyed.finalize())
        case .sha256(var keyed):
            keyed.update(data: message)
            return Array(keyed.finalize())
        }
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
