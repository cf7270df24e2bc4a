/// A company's Twilio auth token in clear, held only in memory while a request is checked.
///
/// It prints as `<redacted>` wherever it is interpolated, so a log line or an error built
/// carelessly around it still does not leak it.
public struct TwilioAuthToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token's bytes, the HMAC key for request signatures.
    let bytes: [UInt8]

    /// Wraps a token in clear.
    public init(_ value: String) {
        self.bytes = Array(value.utf8)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
