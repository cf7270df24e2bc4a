import SwitchboardCore
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A `PUT /api/companies/{id}/twilio/config` body, checked against the company it
/// changes: every rule at once, each problem naming its field.
///
/// The body is the `twilioConfig` object in the shape ``CompanyConfigView`` shows it
/// (or that whole view, `{companyId, companyName, twilioConfig}`, so GET, edit, PUT back
/// works). It **replaces** the company's editable settings: a field left out is cleared
/// (a list to none, a flag to false) — except the secrets: an
/// `authToken` or `apiSecret` left out, or sent back exactly as ``SecretMask`` showed
/// it, keeps its stored value, and `null` removes it. Read-only fields of the view
/// (`hasAuthToken`, `hasApiSecret`, `authTokenPreviousExpiresAt`, `lastUpdated`,
/// `updatedBy`) are accepted and ignored; any other field is refused.
public struct ConfigChange: Sendable {
    /// The largest body accepted.
    public static let maximumBodyBytes = 64 * 1024

    /// The company as it is to be stored: a new auth token or API secret in clear (the
    /// writer seals it), every number in E.164.
    public let company: Company
    /// The stored company this change was checked against.
    public let current: Company
    /// The auth token in clear when the body set a new one.
    public let newAuthToken: String?
    /// The API secret in clear when the body set a new one.
    public let newAPISecret: String?

    /// Reads a request body as a JSON object.
    ///
    /// - Throws: 415 for a content type other than JSON, 413 for a body over 64 KiB,
    ///   400 for invalid JSON or a value that is not an object.
    public static func jsonObject(contentType: String?, body: [UInt8]) throws(Problem) -> [String: JSONValue] {
        try JSONRequestBody.object(
            contentType: contentType, body: body, limit: maximumBodyBytes, expected: "the twilioConfig settings")
    }

    /// A `PATCH`'s body: a JSON Merge Patch (RFC 7396, `application/merge-patch+json`) of
    /// the view `GET` answers, or of its `twilioConfig` alone.
    public static func mergePatch(contentType: String?, body: [UInt8]) throws(Problem) -> [String: JSONValue] {
        try JSONRequestBody.object(
            contentType: contentType, body: body, limit: maximumBodyBytes,
            expected: "a JSON Merge Patch of the twilioConfig settings", mediaType: "application/merge-patch+json")
    }

    /// The whole view `view` with `patch` applied (RFC 7396: an object merges into the
    /// member it names, `null` removes, anything else replaces), as a `PUT` would send it.
    /// A setting patched to `null` is sent as `null`, which clears it as it would a `PUT`
    /// (for the secrets, leaving one out would keep it).
    public static func merging(_ patch: [String: JSONValue], into view: CompanyConfigView) -> [String: JSONValue] {
        let whole: [String: JSONValue] = [
            "companyId": .string(view.companyId), "companyName": .string(view.companyName),
            "twilioConfig": .object(view.twilioConfig.fields),
        ]
        // A patch of the settings alone is a patch of the view's twilioConfig.
        let scoped = patch["twilioConfig"] == nil && patch["companyName"] == nil && patch["companyId"] == nil
        let rooted: [String: JSONValue] = scoped ? ["twilioConfig": .object(patch)] : patch
        guard case .object(var merged) = mergePatch(.object(whole), .object(rooted)) else { return whole }
        if case .object(var settings)? = merged["twilioConfig"], case .object(let changes)? = rooted["twilioConfig"] {
            for (name, value) in changes where value == .null { settings[name] = .null }
            merged["twilioConfig"] = .object(settings)
        }
        return merged
    }

    /// RFC 7396's MergePatch(target, patch).
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result: [String: JSONValue] = [:]
        if case .object(let members) = target { result = members }
        for (name, value) in changes {
            if value == .null {
                result.removeValue(forKey: name)
            } else {
                result[name] = mergePatch(result[name] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// Checks `body` against `current` and builds the company to store.
    ///
    /// - Parameters:
    ///   - body: the request's JSON object.
    ///   - current: the company as stored.
    ///   - sealer: opens the stored secrets, to compare with masked values sent back.
    /// - Throws: ``Problem/invalid(_:)`` listing every field that is wrong, or
    ///   ``Problem/badRequest(_:)`` when the body names another company.
    public init(body: [String: JSONValue], applyingTo current: Company, sealer: SecretSealer) throws(Problem) {
        var reader = FieldReader()
        var config = body
        var name = current.name
        if body["twilioConfig"] != nil {
            // The whole view, as ConfigGet answers it.
            reader.refuseUnknown(body, allowed: ["companyId", "companyName", "twilioConfig"], at: "")
            if let id = reader.string(body, "companyId", at: ""), id != current.id.rawValue {
                throw .badRequest(
                    "companyId \(id.prefix(64)) in the body is not the company in the path (\(current.id))")
            }
            if let given = reader.string(body, "companyName", at: "") { name = given }
            guard case .object(let inner)? = body["twilioConfig"] else {
                throw .invalid([.init(field: "twilioConfig", message: "must be an object")])
            }
            config = inner
        }
        let (company, newToken, newSecret) = Self.build(
            config, name: name, current: current, sealer: sealer, reader: &reader)
        // What the body's JSON could not say, then what the one validator refuses: at most
        // one problem a field, in the settings' order.
        let problems = CompanyValidator.ordered(
            reader.errors.map { SettingProblem($0.field, $0.message) } + CompanyValidator.problems(of: company))
        guard problems.isEmpty else {
            throw .invalid(problems.map { Problem.FieldError(field: $0.field, message: $0.message) })
        }
        self.company = company
        self.current = current
        self.newAuthToken = newToken
        self.newAPISecret = newSecret
    }

    // MARK: What changed, for the checks with Twilio

    /// True when the Account SID or the auth token changes: Twilio must confirm them.
    public var credentialsChanged: Bool {
        company.twilio.accountSid != current.twilio.accountSid || newAuthToken != nil
    }

    /// True when the API key or its secret changes.
    public var apiKeyChanged: Bool {
        company.twilio.apiKey != nil && (company.twilio.apiKey != current.twilio.apiKey || newAPISecret != nil)
    }

    /// True when a messaging service is set that Twilio has not confirmed for these
    /// credentials: a new one, or the same one under new credentials.
    public var messagingServiceChanged: Bool {
        company.twilio.messagingServiceSid != nil
            && (company.twilio.messagingServiceSid != current.twilio.messagingServiceSid || credentialsChanged)
    }

    /// The active numbers Twilio must confirm the account owns: all of them when the
    /// credentials change, else the ones that were not active before.
    public var numbersToVerify: [PhoneNumber] {
        let active = company.numberClaims.filter(\.isActive).map(\.number)
        if credentialsChanged { return active }
        let before = Set(current.numberClaims.filter(\.isActive).map(\.number))
        return active.filter { !before.contains($0) }
    }

    /// Where in the body each number was given, for naming it in an error.
    public func field(of number: PhoneNumber) -> String {
        if let index = company.twilio.phoneNumbers.firstIndex(where: { $0.phoneNumber == number.e164 }) {
            return "phoneNumbers[\(index)].phoneNumber"
        }
        return "phoneNumber"
    }

    // MARK: Building the company

    /// Reads each editable setting as ``CompanySettings`` declares it; what the API does
    /// not edit is kept as stored. Only what the JSON itself gets wrong (a type, an
    /// unknown field, an entry's shape) is a problem here: the rules are the validator's.
    private static func build(
        _ body: [String: JSONValue], name: String, current: Company, sealer: SecretSealer, reader: inout FieldReader
    ) -> (Company, String?, String?) {
        reader.refuseUnknown(
            body, allowed: Set(CompanySettings.editable.map(\.name)).union(CompanySettings.readOnlyNames), at: "")
        let stored = current.twilio
        var config = TwilioConfig()
        for setting in CompanySettings.all where setting.access != .editable { setting.copy(stored, &config) }
        for setting in CompanySettings.editable {
            if let field = setting.secret {
                reader.secret(
                    body, setting, stored: stored, into: &config, field: field, of: current.id, sealer: sealer)
            } else if setting.name == "phoneNumbers" {
                config.phoneNumbers = reader.phoneNumberEntries(body)
            } else if let json = body[setting.name], let error = setting.take(json, &config) {
                reader.fail(setting.name, error.message)
            }
        }
        var newToken: String?
        if case .plaintext(let token)? = config.authToken, config.authToken != stored.authToken { newToken = token }
        var newSecret: String?
        if case .plaintext(let secret)? = config.apiSecret, config.apiSecret != stored.apiSecret { newSecret = secret }
        // A stored API secret goes with its key; a new one without a key is the validator's to refuse.
        if config.apiKey == nil && newSecret == nil { config.apiSecret = nil }
        // The defaults are stored as nothing, as the earlier system wrote them.
        if config.smsMode == SMSMode.none { config.smsMode = nil }
        if config.webhookSigning == .authToken { config.webhookSigning = nil }
        return (Company(id: current.id, name: name, twilio: config), newToken, newSecret)
    }
}

/// Reads typed fields of a JSON object, collecting a problem for each wrong one.
struct FieldReader {
    private(set) var errors: [Problem.FieldError] = []

    mutating func fail(_ field: String, _ message: String) {
        errors.append(Problem.FieldError(field: field, message: message))
    }

    mutating func refuseUnknown(_ object: [String: JSONValue], allowed: Set<String>, at prefix: String) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            fail(prefix + String(key.prefix(64)), "is not a field of the Twilio settings")
        }
    }

    /// The string at `key`; `nil` when absent or `null` (a problem when another type).
    mutating func string(_ object: [String: JSONValue], _ key: String, at prefix: String) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?:
            fail(prefix + key, "must be a string or null, not \(other.kindDescription)")
            return nil
        }
    }

    mutating func bool(_ object: [String: JSONValue], _ key: String, at prefix: String) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?:
            fail(prefix + key, "must be true or false, not \(other.kindDescription)")
            return nil
        }
    }

    mutating func array(_ object: [String: JSONValue], _ key: String, at prefix: String) -> [JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .array(let items)?: return items
        case let other?:
            fail(prefix + key, "must be an array, not \(other.kindDescription)")
            return nil
        }
    }

    /// A secret setting: left out, or sent back exactly as masked, keeps the stored
    /// value; `null` removes it; anything else is taken in clear, for the validator to
    /// check and the writer to seal.
    mutating func secret(
        _ object: [String: JSONValue], _ setting: CompanySetting, stored: TwilioConfig, into config: inout TwilioConfig,
        field: SecretField, of company: CompanyID, sealer: SecretSealer
    ) {
        let masked = setting.shown(stored) { secret, field in
            SecretMask.mask(secret, companyID: company, field: field, sealer: sealer)
        }
        switch object[setting.name] {
        case nil:
            setting.copy(stored, &config)
        case let given? where given == masked && given != .null:
            setting.copy(stored, &config)
        case let given?:
            if let error = setting.take(given, &config) { fail(setting.name, error.message) }
        }
    }

    /// `phoneNumbers`: each entry an object of the four fields, its number in E.164
    /// when it is one (the validator names what is not).
    mutating func phoneNumberEntries(_ body: [String: JSONValue]) -> [PhoneNumberEntry] {
        guard let entries = array(body, "phoneNumbers", at: "") else { return [] }
        var numbers: [PhoneNumberEntry] = []
        for (index, entry) in entries.enumerated() {
            let path = "phoneNumbers[\(index)]"
            guard case .object(let fields) = entry else {
                fail(path, "must be an object with phoneNumber, friendlyName, status, isPrimary and channel")
                continue
            }
            refuseUnknown(
                fields, allowed: ["phoneNumber", "friendlyName", "status", "isPrimary", "channel"], at: path + ".")
            guard let text = string(fields, "phoneNumber", at: path + ".") else {
                if fields["phoneNumber"] == nil || fields["phoneNumber"] == .null {
                    fail(path + ".phoneNumber", "is required")
                }
                continue
            }
            numbers.append(
                PhoneNumberEntry(
                    phoneNumber: (try? PhoneNumber(parsing: text))?.e164 ?? text,
                    friendlyName: string(fields, "friendlyName", at: path + "."),
                    status: string(fields, "status", at: path + ".") ?? "active",
                    isPrimary: bool(fields, "isPrimary", at: path + "."),
                    // "sms" is how a number answering calls and texts is shown; stored as absent.
                    channel: string(fields, "channel", at: path + ".").flatMap {
                        $0 == MessageChannel.sms.rawValue ? nil : $0
                    }))
        }
        return numbers
    }

    mutating func phoneNumber(_ text: String, at field: String) -> PhoneNumber? {
        do {
            return try PhoneNumber(parsing: text)
        } catch {
            fail(field, "\"\(text.prefix(40))\" is not a phone number: it \(error)")
            return nil
        }
    }
}
