/// A customer company and its Twilio settings, shaped like the `v2companies` documents
/// the earlier Node.js system wrote, so an existing database reads as it is.
///
///     { _id, companyName,
///       twilioConfig: { accountSid, authToken, apiKey, apiSecret,
///                       phoneNumber,                       // legacy single number
///                       phoneNumbers: [ { phoneNumber, friendlyName, status, isPrimary } ],
///                       callRoutingMode, forwardNumber, recordingEnabled,
///                       whisperMessage, lastUpdated } }
///
/// Fields Switchboard adds (`voicemailGreeting`, `agentStreamUrl`, `updatedBy`,
/// `authTokenPrevious`, `authTokenPreviousExpiresAt`) are optional, so older documents
/// still decode.
public struct Company: Codable, Sendable, Equatable {
    /// The company's id: a MongoDB ObjectId in its 24-hex-digit form.
    public var id: CompanyID
    /// The company's display name, spoken in the default voicemail greeting.
    public var name: String
    /// The company's own Twilio account and call handling.
    public var twilio: TwilioConfig

    /// A company with the given settings.
    public init(id: CompanyID, name: String, twilio: TwilioConfig) {
        self.id = id
        self.name = name
        self.twilio = twilio
    }

    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case name = "companyName"
        case twilio = "twilioConfig"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(CompanyID.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        twilio = try container.decodeIfPresent(TwilioConfig.self, forKey: .twilio) ?? TwilioConfig()
    }

    /// Every number the company holds, active or not, in either field, in E.164; numbers
    /// that do not parse are left out (``invalidNumbers`` lists them).
    public var allNumbers: Set<PhoneNumber> {
        Set(numberClaims.map(\.number))
    }

    /// Each number the company holds and whether calls to it are answered: the legacy
    /// field counts as active; a list entry is active when its `status` is `active`.
    public var numberClaims: [NumberClaim] {
        var claims: [PhoneNumber: Bool] = [:]
        if let legacy = twilio.phoneNumber, let number = try? PhoneNumber(parsing: legacy) {
            claims[number] = true
        }
        for entry in twilio.phoneNumbers {
            guard let number = try? PhoneNumber(parsing: entry.phoneNumber) else { continue }
            claims[number] = (claims[number] ?? false) || entry.isActive
        }
        return claims.map { NumberClaim(number: $0.key, isActive: $0.value) }.sorted { $0.number < $1.number }
    }

    /// The same company with every number it stores (both number fields and the
    /// forward numbers) in E.164, as every backend stores them; a spelling that does not
    /// parse is left as it is for validation to name.
    public func normalizingNumbers() -> Company {
        var copy = self
        func normalized(_ text: String) -> String { (try? PhoneNumber(parsing: text))?.e164 ?? text }
        copy.twilio.phoneNumber = twilio.phoneNumber.map(normalized)
        for index in copy.twilio.phoneNumbers.indices {
            copy.twilio.phoneNumbers[index].phoneNumber = normalized(twilio.phoneNumbers[index].phoneNumber)
        }
        copy.twilio.forwardNumber = twilio.forwardNumber.map(normalized)
        copy.twilio.smsForwardNumber = twilio.smsForwardNumber.map(normalized)
        return copy
    }

    /// The stored number spellings that are not valid E.164 numbers, with the reason.
    public var invalidNumbers: [(stored: String, reason: PhoneNumberError)] {
        var invalid: [(String, PhoneNumberError)] = []
        let stored = (twilio.phoneNumber.map { [$0] } ?? []) + twilio.phoneNumbers.map(\.phoneNumber)
        for text in stored {
            do { _ = try PhoneNumber(parsing: text) } catch { invalid.append((text, error)) }
        }
        return invalid
    }
}

/// One number a company holds, and whether calls to it are answered.
public struct NumberClaim: Sendable, Equatable {
    public var number: PhoneNumber
    public var isActive: Bool
}

/// A company's id. Documents hold it as an ObjectId; JSON files as its 24-hex-digit
/// string or as extended JSON `{"$oid": "…"}`.
public struct CompanyID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The id's text.
    public let rawValue: String

    /// An id from its text, which must be 1–64 characters of letters, digits, `-` or `_`
    /// (an ObjectId's 24 hex digits fit), so it is safe in URLs, keys and logs.
    public init(_ rawValue: String) throws(CompanyIDError) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
            rawValue.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            })
        else { throw CompanyIDError(text: String(rawValue.prefix(80))) }
        self.rawValue = rawValue
    }

    /// True when the id is a 24-hex-digit ObjectId.
    public var isObjectID: Bool {
        rawValue.utf8.count == 24
            && rawValue.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
            }
    }

    /// A new ObjectId-shaped id: 4 bytes of seconds since 1970, then 8 random bytes.
    public static func generate(now seconds: UInt32, random: inout some RandomNumberGenerator) -> CompanyID {
        var bytes = withUnsafeBytes(of: seconds.bigEndian, Array.init)
        for _ in 0..<8 { bytes.append(UInt8.random(in: 0...255, using: &random)) }
        return try! CompanyID(bytes.lowercaseHex)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let plain = try? container.decode(String.self) {
            text = plain
        } else {
            text = try container.decode(ExtendedObjectID.self).oid
        }
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: CompanyID, rhs: CompanyID) -> Bool { lhs.rawValue < rhs.rawValue }

    private struct ExtendedObjectID: Decodable {
        let oid: String
        enum CodingKeys: String, CodingKey { case oid = "$oid" }
    }
}

/// A text that cannot be a company id.
public struct CompanyIDError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "company id must be 1-64 letters, digits, - or _ (an ObjectId is 24 hex digits)"
    }
}

/// How a company's incoming calls are handled.
public enum CallRoutingMode: String, Sendable, Codable, CaseIterable {
    /// Connect the call to the company's AI agent over a media stream.
    case aiAgent = "ai-agent"
    /// Play a greeting and record a message.
    case voicemail
    /// Ring the company's forward number.
    case forward
}

/// A company's Twilio account and call handling, the `twilioConfig` sub-document.
public struct TwilioConfig: Codable, Sendable, Equatable {
    /// The company's Twilio Account SID (`AC` + 32 hex digits).
    public var accountSid: String?
    /// The account's auth token, sealed at rest; the key for request signatures.
    public var authToken: StoredSecret?
    /// The auth token this one replaced, sealed, still accepted for request signatures
    /// until ``authTokenPreviousExpiresAt``: Twilio signs with whichever token is primary
    /// in the customer's console, and customers promote a new one on their own schedule.
    public var authTokenPrevious: StoredSecret?
    /// When ``authTokenPrevious`` stops being accepted (ISO 8601).
    public var authTokenPreviousExpiresAt: String?
    /// An API key SID (`SK…`) for REST calls.
    public var apiKey: String?
    /// The API key's secret, sealed at rest.
    public var apiSecret: StoredSecret?
    /// The legacy single number field, possibly in the `+1-555-123-4567` spelling.
    public var phoneNumber: String?
    /// The company's numbers.
    public var phoneNumbers: [PhoneNumberEntry]
    /// `ai-agent`, `voicemail` or `forward`, as stored (an unknown value is kept, and
    /// calls then go to voicemail; see ``routingMode``).
    public var callRoutingMode: String?
    /// Where `forward` mode rings.
    public var forwardNumber: String?
    /// Whether forwarded calls are recorded.
    public var recordingEnabled: Bool
    /// Spoken to the person who answers a forwarded call, before the caller is connected.
    public var whisperMessage: String?
    /// What a forwarded call nobody answers gets: `voicemail` (what nothing stored means)
    /// or `hangup`; see ``forwardFallbackMode``.
    public var forwardFallback: String?
    /// The voicemail greeting; a default naming the company is spoken when absent.
    public var voicemailGreeting: String?
    /// The company's own agent media-stream URL (`wss://…`), overriding the platform's.
    public var agentStreamUrl: String?
    /// `auto-reply`, `forward` or `none` (the default): what an incoming message gets.
    public var smsMode: String?
    /// The text of the automatic reply in `auto-reply` mode.
    public var smsAutoReply: String?
    /// Where `forward` mode sends messages; the company's `forwardNumber` when absent.
    public var smsForwardNumber: String?
    /// `auth-token` (what nothing stored means) or `shared-key`: how the company asks
    /// Twilio to sign its webhooks (see ``webhookSharedKey``).
    public var webhookSigning: String?
    /// The SharedKey Twilio signs the company's webhooks with, when it signs with one.
    public var webhookSharedKey: WebhookSharedKey?
    /// The SharedKey a rotation replaced, still accepted until
    /// ``webhookSharedKeyPreviousExpiresAt``.
    public var webhookSharedKeyPrevious: WebhookSharedKey?
    /// When ``webhookSharedKeyPrevious`` stops being accepted (ISO 8601).
    public var webhookSharedKeyPreviousExpiresAt: String?
    /// When true, a webhook not signed with the company's SharedKey is refused, whatever
    /// its auth-token signature: no downgrade to the auth token.
    public var requireSharedKey: Bool
    /// When the settings last changed (ISO 8601).
    public var lastUpdated: String?
    /// Who last changed them.
    public var updatedBy: String?

    /// Empty settings.
    public init(
        accountSid: String? = nil, authToken: StoredSecret? = nil,
        authTokenPrevious: StoredSecret? = nil, authTokenPreviousExpiresAt: String? = nil, apiKey: String? = nil,
        apiSecret: StoredSecret? = nil, phoneNumber: String? = nil, phoneNumbers: [PhoneNumberEntry] = [],
        callRoutingMode: String? = nil, forwardNumber: String? = nil, recordingEnabled: Bool = false,
        whisperMessage: String? = nil, forwardFallback: String? = nil, voicemailGreeting: String? = nil,
        agentStreamUrl: String? = nil,
        smsMode: String? = nil, smsAutoReply: String? = nil, smsForwardNumber: String? = nil,
        webhookSigning: String? = nil, webhookSharedKey: WebhookSharedKey? = nil,
        webhookSharedKeyPrevious: WebhookSharedKey? = nil,
        webhookSharedKeyPreviousExpiresAt: String? = nil, requireSharedKey: Bool = false,
        lastUpdated: String? = nil, updatedBy: String? = nil
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.authTokenPrevious = authTokenPrevious
        self.authTokenPreviousExpiresAt = authTokenPreviousExpiresAt
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.phoneNumber = phoneNumber
        self.phoneNumbers = phoneNumbers
        self.callRoutingMode = callRoutingMode
        self.forwardNumber = forwardNumber
        self.recordingEnabled = recordingEnabled
        self.whisperMessage = whisperMessage
        self.forwardFallback = forwardFallback
        self.voicemailGreeting = voicemailGreeting
        self.agentStreamUrl = agentStreamUrl
        self.smsMode = smsMode
        self.smsAutoReply = smsAutoReply
        self.smsForwardNumber = smsForwardNumber
        self.webhookSigning = webhookSigning
        self.webhookSharedKey = webhookSharedKey
        self.webhookSharedKeyPrevious = webhookSharedKeyPrevious
        self.webhookSharedKeyPreviousExpiresAt = webhookSharedKeyPreviousExpiresAt
        self.requireSharedKey = requireSharedKey
        self.lastUpdated = lastUpdated
        self.updatedBy = updatedBy
    }

    enum CodingKeys: String, CodingKey {
        case accountSid, authToken, authTokenPrevious, authTokenPreviousExpiresAt, apiKey, apiSecret
        case phoneNumber, phoneNumbers, callRoutingMode, forwardNumber, recordingEnabled
        case whisperMessage, forwardFallback, voicemailGreeting, agentStreamUrl, smsMode, smsAutoReply,
            smsForwardNumber, lastUpdated
        case updatedBy, webhookSigning, webhookSharedKey, webhookSharedKeyPrevious, webhookSharedKeyPreviousExpiresAt,
            requireSharedKey
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accountSid = try c.decodeIfPresent(String.self, forKey: .accountSid)
        authToken = try c.decodeIfPresent(StoredSecret.self, forKey: .authToken)
        authTokenPrevious = try c.decodeIfPresent(StoredSecret.self, forKey: .authTokenPrevious)
        authTokenPreviousExpiresAt = Self.decodeDate(c, .authTokenPreviousExpiresAt)
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey)
        apiSecret = try c.decodeIfPresent(StoredSecret.self, forKey: .apiSecret)
        phoneNumber = try c.decodeIfPresent(String.self, forKey: .phoneNumber)
        phoneNumbers = try c.decodeIfPresent([PhoneNumberEntry].self, forKey: .phoneNumbers) ?? []
        callRoutingMode = try c.decodeIfPresent(String.self, forKey: .callRoutingMode)
        forwardNumber = try c.decodeIfPresent(String.self, forKey: .forwardNumber)
        recordingEnabled = try c.decodeIfPresent(Bool.self, forKey: .recordingEnabled) ?? false
        whisperMessage = try c.decodeIfPresent(String.self, forKey: .whisperMessage)
        forwardFallback = try c.decodeIfPresent(String.self, forKey: .forwardFallback)
        voicemailGreeting = try c.decodeIfPresent(String.self, forKey: .voicemailGreeting)
        agentStreamUrl = try c.decodeIfPresent(String.self, forKey: .agentStreamUrl)
        smsMode = try c.decodeIfPresent(String.self, forKey: .smsMode)
        smsAutoReply = try c.decodeIfPresent(String.self, forKey: .smsAutoReply)
        smsForwardNumber = try c.decodeIfPresent(String.self, forKey: .smsForwardNumber)
        webhookSigning = try c.decodeIfPresent(String.self, forKey: .webhookSigning)
        webhookSharedKey = try c.decodeIfPresent(WebhookSharedKey.self, forKey: .webhookSharedKey)
        webhookSharedKeyPrevious = try c.decodeIfPresent(WebhookSharedKey.self, forKey: .webhookSharedKeyPrevious)
        webhookSharedKeyPreviousExpiresAt = Self.decodeDate(c, .webhookSharedKeyPreviousExpiresAt)
        requireSharedKey = try c.decodeIfPresent(Bool.self, forKey: .requireSharedKey) ?? false
        lastUpdated = Self.decodeDate(c, .lastUpdated)
        updatedBy = try c.decodeIfPresent(String.self, forKey: .updatedBy)
    }

    /// A date field as text: MongoDB holds BSON dates, which read as `{"$date": …}`; the
    /// embedded store and older documents hold ISO 8601 strings.
    private static func decodeDate(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> String? {
        if let text = try? container.decodeIfPresent(String.self, forKey: key) { return text }
        return try? container.decodeIfPresent(ExtendedDate.self, forKey: key)?.text
    }

    /// The routing mode, or `nil` when none or an unknown one is stored.
    public var routingMode: CallRoutingMode? {
        callRoutingMode.flatMap(CallRoutingMode.init(rawValue:))
    }

    /// The SMS mode, or `nil` when an unknown one is stored (no mode stored is `none`).
    public var messageMode: SMSMode? { SMSMode(stored: smsMode) }

    /// What a forwarded call nobody answers gets, or `nil` when an unknown value is stored
    /// (nothing stored is `voicemail`).
    public var forwardFallbackMode: ForwardFallback? { ForwardFallback(stored: forwardFallback) }
}

/// What a forwarded call gets when the forward number does not answer, is busy, or the
/// dial fails.
public enum ForwardFallback: String, Sendable, Codable, CaseIterable {
    /// The company's voicemail: its greeting and `<Record>` (the default).
    case voicemail
    /// The call ends.
    case hangup

    /// The fallback a stored value names: `voicemail` when nothing is stored, `nil` when
    /// the value is not a fallback.
    public init?(stored: String?) {
        guard let stored else {
            self = .voicemail
            return
        }
        self.init(rawValue: stored)
    }
}

/// What a company's incoming messages get.
public enum SMSMode: String, Sendable, Codable, CaseIterable {
    /// A `<Message>` back to the sender with the company's `smsAutoReply`.
    case autoReply = "auto-reply"
    /// A `<Message to=…>` to `smsForwardNumber` (or `forwardNumber`) carrying who wrote and what.
    case forward
    /// Nothing (an empty `<Response/>`): the message is only archived.
    case none

    /// The mode a stored value names: `none` when nothing is stored, `nil` when the
    /// value is not a mode.
    public init?(stored: String?) {
        guard let stored else {
            self = .none
            return
        }
        self.init(rawValue: stored)
    }
}

/// A date as MongoDB Extended JSON writes it: `{"$date": "2026-…Z"}` (relaxed) or
/// `{"$date": {"$numberLong": "…"}}` (canonical), read as text.
struct ExtendedDate: Decodable {
    let text: String
    enum CodingKeys: String, CodingKey { case date = "$date" }
    struct Canonical: Decodable {
        let numberLong: String
        enum CodingKeys: String, CodingKey { case numberLong = "$numberLong" }
    }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let iso = try? container.decode(String.self, forKey: .date) {
            text = iso
        } else if let milliseconds = try? container.decode(Int64.self, forKey: .date) {
            text = String(milliseconds)
        } else {
            text = try container.decode(Canonical.self, forKey: .date).numberLong
        }
    }
}

/// One entry of `twilioConfig.phoneNumbers`.
public struct PhoneNumberEntry: Codable, Sendable, Equatable {
    /// The number as stored (E.164, or an older spelling).
    public var phoneNumber: String
    /// A label for people.
    public var friendlyName: String?
    /// `active` numbers are answered; any other status (`inactive`, `released`, …) is not.
    public var status: String?
    /// The company's main number.
    public var isPrimary: Bool?

    public init(phoneNumber: String, friendlyName: String? = nil, status: String? = "active", isPrimary: Bool? = nil) {
        self.phoneNumber = phoneNumber
        self.friendlyName = friendlyName
        self.status = status
        self.isPrimary = isPrimary
    }

    /// True when calls to this number are answered.
    public var isActive: Bool { status == "active" }
}
