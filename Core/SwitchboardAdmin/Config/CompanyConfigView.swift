import SwitchboardCore
import SwitchboardJSON

/// A company's Twilio settings as the config API shows them (`GET …/twilio/config`, and
/// the answer to a `PUT`): every setting ``CompanySettings`` does not keep to itself,
/// numbers in E.164, secrets masked, absent values `null`, so the shape never changes.
///
///     { "companyId": "…", "companyName": "…",
///       "twilioConfig": { "accountSid": "AC…", "authToken": "••••1a2b", "hasAuthToken": true,
///                         "phoneNumbers": [ { "phoneNumber": "+15550100001", "friendlyName": "Front desk",
///                                             "status": "active", "isPrimary": true } ],
///                         "callRoutingMode": "ai-agent", …,
///                         "lastUpdated": "2026-11-27T01:32:10.123Z", "updatedBy": "alice" } }
///
/// (every field: openapi.yaml's `TwilioConfig`, which a test holds to the declaration).
/// The same object, edited, is what `PUT` takes back; the read-only fields (the
/// declaration's, and the `has…` flags) are ignored there.
public struct CompanyConfigView: Encodable, Sendable {
    public let companyId: String
    public let companyName: String
    public let twilioConfig: TwilioConfigView

    /// The view of `company`, its secrets opened with `sealer` only to be masked.
    public init(_ company: Company, sealer: SecretSealer) {
        companyId = company.id.rawValue
        companyName = company.name
        twilioConfig = TwilioConfigView(company, sealer: sealer)
    }
}

/// The `twilioConfig` object of ``CompanyConfigView``.
public struct TwilioConfigView: Encodable, Sendable {
    /// The settings by name, and the `has…` flags beside the secrets.
    public let fields: [String: JSONValue]

    init(_ company: Company, sealer: SecretSealer) {
        let masking: SecretMasking = { secret, field in
            SecretMask.mask(secret, companyID: company.id, field: field, sealer: sealer)
        }
        var fields: [String: JSONValue] = [:]
        for setting in CompanySettings.all where setting.access != .internalOnly {
            let shown = setting.shown(company.twilio, masking)
            fields[setting.name] = shown
            if let flag = setting.presenceFlag { fields[flag] = .bool(shown != JSONValue.null) }
        }
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(fields).encode(to: encoder)
    }
}
