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
/// (`phoneNumbers` to none, `recordingEnabled` to false) — except the secrets: an
/// `authToken` or `apiSecret` left out, or sent back exactly as ``SecretMask`` showed
/// it, keeps its stored value, and `null` removes it. Read-only fields of the view
/// (`hasAuthToken`, `hasApiSecret`, `authTokenPreviousExpiresAt`, `lastUpdated`,
/// `updatedBy`) are accepted and ignored; any other field is refused.
public struct ConfigChange: Sendable {
    /// The largest body accepted.
    public static let maximumBodyBytes = 64 * 1024
    /// The longest greeting or whisper, in characters.
    public static let maximumTextLength = 1_000
    /// The longest friendly name of a number.
    public static let maximumFriendlyNameLength = 64
    /// The most numbers one company may list.
    public static let maximumNumbers = 100

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
            if let given = reader.string(body, "companyName", at: "") {
                if given.isEmpty || given.count > 200 || given.containsControlCharacters(allowingLineBreaks: false) {
                    reader.fail("companyName", "must be 1-200 characters without control characters")
                } else {
                    name = given
                }
            }
            guard case .object(let inner)? = body["twilioConfig"] else {
                throw .invalid([.init(field: "twilioConfig", message: "must be an object")])
            }
            config = inner
        }
        let (company, newToken, newSecret) = Self.build(
            config, name: name, current: current, sealer: sealer, reader: &reader)
        guard reader.errors.isEmpty else { throw .invalid(reader.errors) }
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

    private static let readOnly: Set<String> = [
        "hasAuthToken", "hasApiSecret", "authTokenPreviousExpiresAt", "lastUpdated", "updatedBy", "webhookSharedKey",
        "webhookSharedKeyPreviousExpiresAt",
    ]
    private static let editable: Set<String> = [
        "accountSid", "authToken", "apiKey", "apiSecret", "phoneNumber", "phoneNumbers", "callRoutingMode",
        "forwardNumber",
        "recordingEnabled", "whisperMessage", "forwardFallback", "voicemailGreeting", "agentStreamUrl", "smsMode",
        "smsAutoReply", "smsForwardNumber",
        "webhookSigning", "requireSharedKey",
    ]

    private static func build(
        _ body: [String: JSONValue], name: String, current: Company, sealer: SecretSealer, reader: inout FieldReader
    ) -> (Company, String?, String?) {
        reader.refuseUnknown(body, allowed: editable.union(readOnly), at: "")
        let stored = current.twilio
        // What the API does not edit is kept: the replaced token, and the SharedKeys that
        // `switchboard signing` (or configureWebhooks) manages.
        var config = TwilioConfig(
            authTokenPrevious: stored.authTokenPrevious, authTokenPreviousExpiresAt: stored.authTokenPreviousExpiresAt,
            webhookSharedKey: stored.webhookSharedKey, webhookSharedKeyPrevious: stored.webhookSharedKeyPrevious,
            webhookSharedKeyPreviousExpiresAt: stored.webhookSharedKeyPreviousExpiresAt,
            lastUpdated: stored.lastUpdated, updatedBy: stored.updatedBy)

        config.accountSid = reader.string(body, "accountSid", at: "")
        if let sid = config.accountSid, !TwilioSID.isValid(sid, prefix: "AC") {
            reader.fail("accountSid", "must be AC followed by 32 hexadecimal digits")
        }

        // Secrets: left out or sent back masked keeps the stored value; null removes it.
        let token = reader.secret(
            body, "authToken", stored: stored.authToken, field: .authToken, of: current.id, sealer: sealer,
            isValid: { $0.utf8.count == 32 && $0.utf8.allSatisfy(\.isHexDigit) },
            rule: "must be the account's auth token, 32 hexadecimal characters (or null to remove it)")
        config.authToken = token.value
        let newToken = token.new

        config.apiKey = reader.string(body, "apiKey", at: "")
        if let key = config.apiKey, !TwilioSID.isValid(key, prefix: "SK") {
            reader.fail("apiKey", "must be SK followed by 32 hexadecimal digits")
        }
        let secret = reader.secret(
            body, "apiSecret", stored: stored.apiSecret, field: .apiSecret, of: current.id, sealer: sealer,
            isValid: { $0.utf8.count == 32 && $0.utf8.allSatisfy(\.isASCIIAlphanumeric) },
            rule: "must be the API key's secret, 32 letters and digits (or null to remove it)")
        config.apiSecret = secret.value
        let newSecret = secret.new
        let secretGiven = body["apiSecret"].map { $0 != .null } ?? false
        if config.apiKey != nil && config.apiSecret == nil && !secretGiven {
            reader.fail("apiSecret", "is required with apiKey")
        }
        if body["apiKey"].map({ $0 == .null }) ?? true, newSecret != nil {
            reader.fail("apiKey", "is required with apiSecret")
        }
        if config.apiKey == nil { config.apiSecret = nil }

        // Numbers, stored in E.164.
        var seen: Set<PhoneNumber> = []
        if let text = reader.string(body, "phoneNumber", at: "") {
            if let number = reader.phoneNumber(text, at: "phoneNumber") { config.phoneNumber = number.e164 }
        }
        if let entries = reader.array(body, "phoneNumbers", at: "") {
            if entries.count > maximumNumbers {
                reader.fail("phoneNumbers", "may list at most \(maximumNumbers) numbers")
            }
            var primaries = 0
            for (index, entry) in entries.prefix(maximumNumbers).enumerated() {
                let path = "phoneNumbers[\(index)]"
                guard case .object(let fields) = entry else {
                    reader.fail(path, "must be an object with phoneNumber, friendlyName, status and isPrimary")
                    continue
                }
                reader.refuseUnknown(
                    fields, allowed: ["phoneNumber", "friendlyName", "status", "isPrimary"], at: path + ".")
                guard let text = reader.string(fields, "phoneNumber", at: path + ".") else {
                    if fields["phoneNumber"] == nil || fields["phoneNumber"] == .null {
                        reader.fail(path + ".phoneNumber", "is required")
                    }
                    continue
                }
                let friendlyName = reader.string(fields, "friendlyName", at: path + ".")
                if let friendlyName,
                    friendlyName.count > maximumFriendlyNameLength
                        || friendlyName.containsControlCharacters(allowingLineBreaks: false)
                {
                    reader.fail(
                        path + ".friendlyName",
                        "must be at most \(maximumFriendlyNameLength) characters without control characters")
                }
                let status = reader.string(fields, "status", at: path + ".") ?? "active"
                if status != "active" && status != "inactive" {
                    reader.fail(path + ".status", "must be active or inactive")
                }
                let isPrimary = reader.bool(fields, "isPrimary", at: path + ".")
                if isPrimary == true { primaries += 1 }
                guard let number = reader.phoneNumber(text, at: path + ".phoneNumber") else { continue }
                guard seen.insert(number).inserted else {
                    reader.fail(path + ".phoneNumber", "\(number) is listed twice")
                    continue
                }
                config.phoneNumbers.append(
                    PhoneNumberEntry(
                        phoneNumber: number.e164, friendlyName: friendlyName, status: status, isPrimary: isPrimary))
            }
            if primaries > 1 {
                reader.fail("phoneNumbers", "at most one number may be marked isPrimary (\(primaries) are)")
            }
        }

        // Call handling.
        config.callRoutingMode = reader.string(body, "callRoutingMode", at: "")
        if let mode = config.callRoutingMode, CallRoutingMode(rawValue: mode) == nil {
            reader.fail(
                "callRoutingMode", "must be one of \(CallRoutingMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let text = reader.string(body, "forwardNumber", at: "") {
            if let number = reader.phoneNumber(text, at: "forwardNumber") {
                config.forwardNumber = number.e164
                if config.numberClaimsInclude(number) {
                    reader.fail("forwardNumber", "\(number) is one of this company's own numbers; calls would loop")
                }
            }
        }
        if config.routingMode == .forward && config.forwardNumber == nil
            && body["forwardNumber"].map({ $0 == .null }) ?? true
        {
            reader.fail("forwardNumber", "is required when callRoutingMode is forward")
        }
        config.recordingEnabled = reader.bool(body, "recordingEnabled", at: "") ?? false
        config.forwardFallback = reader.string(body, "forwardFallback", at: "")
        if config.forwardFallbackMode == nil {
            reader.fail(
                "forwardFallback", "must be one of \(ForwardFallback.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for field in ["whisperMessage", "voicemailGreeting"] {
            guard let text = reader.string(body, field, at: "") else { continue }
            if text.count > maximumTextLength || text.containsControlCharacters(allowingLineBreaks: true) {
                reader.fail(field, "must be at most \(maximumTextLength) characters without control characters")
            }
            if field == "whisperMessage" { config.whisperMessage = text } else { config.voicemailGreeting = text }
        }
        config.agentStreamUrl = reader.string(body, "agentStreamUrl", at: "")
        if let url = config.agentStreamUrl, !StreamURL.isValid(url) {
            reader.fail("agentStreamUrl", "must be a wss:// URL of at most 2048 characters without spaces")
        }

        // Messages.
        config.smsMode = reader.string(body, "smsMode", at: "")
        if let mode = config.smsMode, SMSMode(rawValue: mode) == nil {
            reader.fail("smsMode", "must be one of \(SMSMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if config.smsMode == SMSMode.none.rawValue { config.smsMode = nil }
        config.smsAutoReply = reader.string(body, "smsAutoReply", at: "")
        if let reply = config.smsAutoReply,
            reply.isEmpty || reply.count > SMSMessagePlanner.maximumReplyLength
                || reply.containsControlCharacters(allowingLineBreaks: true)
        {
            reader.fail(
                "smsAutoReply",
                "must be 1-\(SMSMessagePlanner.maximumReplyLength) characters without control characters")
        }
        if config.messageMode == .autoReply && config.smsAutoReply == nil
            && body["smsAutoReply"].map({ $0 == .null }) ?? true
        {
            reader.fail("smsAutoReply", "is required when smsMode is auto-reply")
        }
        if let text = reader.string(body, "smsForwardNumber", at: ""),
            let number = reader.phoneNumber(text, at: "smsForwardNumber")
        {
            config.smsForwardNumber = number.e164
            if config.numberClaimsInclude(number) {
                reader.fail("smsForwardNumber", "\(number) is one of this company's own numbers; messages would loop")
            }
        }
        if config.messageMode == .forward && config.smsForwardNumber == nil && config.forwardNumber == nil
            && body["smsForwardNumber"].map({ $0 == .null }) ?? true
        {
            reader.fail("smsForwardNumber", "is required when smsMode is forward and there is no forwardNumber")
        }

        // How Twilio signs the company's webhooks.
        config.webhookSigning = reader.string(body, "webhookSigning", at: "")
        if WebhookSigning(stored: config.webhookSigning) == nil {
            reader.fail(
                "webhookSigning", "must be one of \(WebhookSigning.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if config.webhookSigning == WebhookSigning.authToken.rawValue { config.webhookSigning = nil }
        config.requireSharedKey = reader.bool(body, "requireSharedKey", at: "") ?? false
        if config.requireSharedKey && config.webhookSharedKey == nil {
            reader.fail(
                "requireSharedKey",
                "needs the company's webhooks signed with a shared key first: set webhookSigning to shared-key and save with ?configureWebhooks=true, or run switchboard signing enable"
            )
        }

        // Twilio signs every webhook with the auth token: while a number answers, the
        // company needs its account and token.
        if config.numberClaimsAreActive {
            if config.authToken == nil {
                reader.fail("authToken", "is required while any number is active: it verifies Twilio's requests")
            }
            if config.accountSid == nil { reader.fail("accountSid", "is required while any number is active") }
        }
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

    /// A secret field: left out, or sent back exactly as masked, keeps `stored`; `null`
    /// removes it; a valid new value is taken in clear (`new`).
    mutating func secret(
        _ object: [String: JSONValue], _ key: String, stored: StoredSecret?, field: SecretField, of company: CompanyID,
        sealer: SecretSealer, isValid: (String) -> Bool, rule: String
    ) -> (value: StoredSecret?, new: String?) {
        switch object[key] {
        case nil:
            return (stored, nil)
        case .null?:
            return (nil, nil)
        case .string(let text)?
        where stored.map({ SecretMask.mask($0, companyID: company, field: field, sealer: sealer) }) == text:
            return (stored, nil)
        case .string(let text)? where isValid(text):
            return (.plaintext(text), text)
        default:
            fail(key, rule)
            return (stored, nil)
        }
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

extension TwilioConfig {
    /// True when any number (the legacy field, or a list entry marked active) answers.
    var numberClaimsAreActive: Bool {
        phoneNumber != nil || phoneNumbers.contains(where: \.isActive)
    }

    /// True when `number` is one of the company's own, in either field, active or not.
    func numberClaimsInclude(_ number: PhoneNumber) -> Bool {
        ([phoneNumber].compactMap { $0 } + phoneNumbers.map(\.phoneNumber)).contains {
            (try? PhoneNumber(parsing: $0)) == number
        }
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }

    var isASCIIAlphanumeric: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}

extension String {
    /// True when the text holds a control character (other than line breaks and tabs
    /// when `allowingLineBreaks`): XML, and so TwiML, cannot carry most of them.
    func containsControlCharacters(allowingLineBreaks: Bool) -> Bool {
        unicodeScalars.contains { scalar in
            if allowingLineBreaks && (scalar == "\n" || scalar == "\r" || scalar == "\t") { return false }
            return scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0)
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF
        }
    }
}
