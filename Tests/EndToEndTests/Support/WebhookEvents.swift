import Foundation
import SwitchboardCore
import SwitchboardRuntime

/// Builds payload 2.0 events for Twilio webhooks, signed as the given Twilio account
/// would sign them, for tests that need calls and messages the examples do not have.
enum WebhookEvents {
    static let host = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"

    /// An incoming call (or, with `path` `/api/twilio/sms`, message) to `to`, posted by
    /// `account` and signed with `token`, as the event JSON a function reads.
    static func event(
        path: String = "/api/twilio/voice", query: String = "", parameters: [(String, String)], token: String
    ) throws -> Data {
        let body = parameters.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        let url = "https://\(host)\(path)" + (query.isEmpty ? "" : "?" + query)
        let content = SignedContent.form(try FormParameters(decoding: Array(body.utf8)))
        let signature = TwilioSignature.compute(url: url, content: content, authToken: TwilioAuthToken(token))
        let event = HTTPEvent(
            method: "POST", rawPath: path, rawQueryString: query,
            headers: [
                "content-type": "application/x-www-form-urlencoded", "host": host, "x-twilio-signature": signature,
            ],
            body: Data(body.utf8).base64EncodedString(), isBase64Encoded: true, domainName: host,
            requestId: "test-\(UUID().uuidString)")
        return try JSONEncoder().encode(event)
    }

    /// An incoming call to `to` from the company's account.
    static func call(
        to: String, account: String, token: String, callSid: String = "CA" + String(repeating: "0", count: 32)
    ) throws -> Data {
        try event(
            parameters: [
                ("AccountSid", account), ("CallSid", callSid), ("From", "+15557654321"), ("To", to),
                ("CallStatus", "ringing"), ("Direction", "inbound"), ("ApiVersion", "2010-04-01"),
            ], token: token)
    }

    /// A stream-mode envelope carrying `event`.
    static func envelope(_ event: Data, id: String) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: event)
        return try JSONSerialization.data(withJSONObject: ["id": id, "deadlineMs": 4_102_444_800_000, "event": object])
    }

    private static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
