/// A customer company and its Twilio settings, shaped like the `v2companies` documents
/// the earlier Node.js system wrote, so an existing database reads as it is:
/// `{ _id, companyName, twilioConfig: { … } }`, the settings of `twilioConfig` each
/// declared in ``CompanySettings``. The settings Switchboard added are optional, so older
/// documents still decode.
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

    /// The number the company sends from when none is asked for: its primary active
    /// number, else its legacy single number, else its first active one; `nil` when it
    /// has no active number.
    public var defaultSendingNumber: PhoneNumber? {
        let primary = twilio.phoneNumbers.first { !$0.isWhatsApp && $0.isActive && $0.isPrimary == true }.flatMap {
            try? PhoneNumber(parsing: $0.phoneNumber)
        }
        let legacy = twilio.phoneNumber.flatMap { try? PhoneNumber(parsing: $0) }
        return primary ?? legacy ?? numberClaims.first(where: \.isActive)?.number
    }

    /// Every number the company holds, active or not, in either field, in E.164; numbers
    /// that do not parse are left out (``invalidNumbers`` lists them).
    public var allNumbers: Set<PhoneNumber> {
        Set(numberClaims.map(\.number))
    }

    /// Each number the company holds, whether calls and texts to it are answered, and
    /// whether it answers as a WhatsApp sender: the legacy field counts as active for
    /// calls and texts; a list entry is active on its channel when its `status` is
    /// `active` (an entry with `channel: "whatsapp"` is a WhatsApp sender only).
    public var numberClaims: [NumberClaim] {
        var claims: [PhoneNumber: NumberClaim] = [:]
        if let legacy = twilio.phoneNumber, let number = try? PhoneNumber(parsing: legacy) {
            claims[number] = NumberClaim(number: number, isActive: true)
        }
        for entry in twilio.phoneNumbers {
            guard let number = try? PhoneNumber(parsing: entry.phoneNumber) else { continue }
            var claim = claims[number] ?? NumberClaim(number: number, isActive: false)
            if entry.isWhatsApp {
                claim.isWhatsAppSender = claim.isWhatsAppSender || entry.isActive
            } else {
                claim.isActive = claim.isActive || entry.isActive
            }
            claims[number] = claim
        }
        return claims.values.sorted { $0.number < $1.number }
    }

    /// The company's active WhatsApp senders, its primary one first.
    public var whatsAppSenders: [PhoneNumber] {
        let primary = twilio.phoneNumbers.first { $0.isWhatsApp && $0.isActive && $0.isPrimary == true }.flatMap {
            try? PhoneNumber(parsing: $0.phoneNumber)
        }
        let rest = numberClaims.filter(\.isWhatsAppSender).map(\.number).filter { $0 != primary }
        return (primary.map { [$0] } ?? []) + rest
    }

    /// The same company with every number it stores (both number fields and the
    /// forward numbers) in E.164, as every backend stores them; a spelling that does not
    /// parse is left as it is for validation to name.
    public func normalizingNumbers() -> Company {
        var copy = self
        func normalized(_ text: String) -> String { (try? PhoneNumber(parsing: text))?.e164 ?? text }
        for index in copy.twilio.phoneNumbers.indices {
            copy.twilio.phoneNumbers[index].phoneNumber = normalized(twilio.phoneNumbers[index].phoneNumber)
        }
        for setting in CompanySettings.all { _ = setting.rewriteToE164?(&copy.twilio) }
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

/// One number a company holds, whether calls and texts to it are answered, and whether
/// it is an active WhatsApp sender.
public struct NumberClaim: Sendable, Equatable {
    public var number: PhoneNumber
    /// Calls and texts to the number are answered.
    public var isActive: Bool
    /// WhatsApp messages to the number are answered.
    public var isWhatsAppSender = false

    /// The bits the embedded store's `phone_numbers.active` holds: 1 for calls and
    /// texts, 2 for WhatsApp.
    var activeChannels: Int64 { (isActive ? 1 : 0) | (isWhatsAppSender ? 2 : 0) }
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
    /// The company's main number (on its channel).
    public var isPrimary: Bool?
    /// `whatsapp` for a WhatsApp sender; absent for a number answering calls and texts.
    /// The same number may be listed once on each.
    public var channel: String?

    public init(
        phoneNumber: String, friendlyName: String? = nil, status: String? = "active", isPrimary: Bool? = nil,
        channel: String? = nil
    ) {
        self.phoneNumber = phoneNumber
        self.friendlyName = friendlyName
        self.status = status
        self.isPrimary = isPrimary
        self.channel = channel
    }

    /// True when calls (or, for a WhatsApp sender, WhatsApp messages) to this number are
    /// answered.
    public var isActive: Bool { status == "active" }

    /// True for a WhatsApp sender.
    public var isWhatsApp: Bool { channel == MessageChannel.whatsapp.rawValue }
}
