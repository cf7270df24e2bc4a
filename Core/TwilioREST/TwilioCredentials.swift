import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a call to Twilio's REST API authenticates with: the account it acts on, and
/// HTTP Basic credentials — the Account SID with its auth token, or an API key SID
/// (`SK…`) with its secret.
///
/// Prints without the secret, so a log line or an error built around it cannot leak it.
public struct TwilioCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The account the call acts on (`AC…`), which appears in every resource path.
    public let accountSid: String
    /// The Basic user name: the Account SID or an API key SID.
    public let username: String
    private let password: String

    /// The account's own SID and auth token.
    public init(accountSid: String, authToken: String) {
        self.accountSid = accountSid
        self.username = accountSid
        self.password = authToken
    }

    /// An API key of the account and its secret.
    public init(accountSid: String, apiKey: String, apiSecret: String) {
        self.accountSid = accountSid
        self.username = apiKey
        self.password = apiSecret
    }

    /// The `Authorization` header value.
    var authorizationHeader: String {
        "Basic " + Data((username + ":" + password).utf8).base64EncodedString()
    }

    public var description: String { "TwilioCredentials(\(username), <redacted>)" }
    public var debugDescription: String { description }
}

extension TwilioCredentials {
    /// What `company`'s own account is reached with: its API key when it has one
    /// (Twilio's preferred credential), else its Account SID and auth token, opened from
    /// their sealed form in memory only; `nil` without an account or a secret that opens.
    public init?(of company: Company, sealer: SecretSealer) {
        guard let sid = company.twilio.accountSid, !sid.isEmpty else { return nil }
        if let key = company.twilio.apiKey, let sealed = company.twilio.apiSecret,
            let secret = try? sealer.open(sealed, companyID: company.id.rawValue, field: .apiSecret)
        {
            self.init(accountSid: sid, apiKey: key, apiSecret: secret)
            return
        }
        guard let sealed = company.twilio.authToken,
            let token = try? sealer.open(sealed, companyID: company.id.rawValue, field: .authToken)
        else { return nil }
        self.init(accountSid: sid, authToken: token)
    }
}
