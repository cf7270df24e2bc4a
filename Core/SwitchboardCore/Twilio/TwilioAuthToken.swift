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
