#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One call or message in a company's archive — the earlier system's "record in the
/// company's call archive" — keyed by Twilio's sid.
///
/// Every field but the identity (`sid`, `kind`, `companyId`, `direction`, `at`) is
/// optional, so a later webhook about the same call (the voicemail's recording) adds its
/// fields to the record instead of making a second one. No secret is ever part of a
/// record; a message's body and media URLs are (they are personal data: see `prune`).
public struct ArchiveRecord: Codable, Sendable, Equatable {
    /// A call or a message.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case call, message
    }

    /// Twilio's `CallSid` or `MessageSid`.
    public var sid: String
    public var kind: Kind
    /// The company whose call or message it is.
    public var companyId: String
    /// Twilio's `Direction`: `inbound`, `outbound-api` (sent or placed through Twilio's
    /// API: Switchboard's Outbound function, `switchboard sms send` and `call`, or the
    /// console), `outbound-dial` or `outbound-reply`.
    public var direction: String
    /// When it happened (ISO 8601, UTC, milliseconds).
    public var at: String
    /// The Twilio account it went through.
    public var accountSid: String?
    public var from: String?
    public var to: String?
    /// What was decided: the routing mode a call got, or what a message got
    /// (`auto-reply`, `forward`, `none`, `keyword`, `sent`).
    public var decision: String?
    /// A message's text.
    public var body: String?
    /// A message's media.
    public var mediaUrls: [String]?
    /// The opt-out, opt-in or help keyword a message was (`STOP`, `START`, `HELP`, …).
    public var keyword: String?
    /// A voicemail's recording.
    public var recordingSid: String?
    public var recordingUrl: String?
    /// Seconds, as Twilio sends it.
    public var recordingDuration: String?
    /// Seconds, as a number: from the recording's status callback.
    public var recordingDurationSeconds: Int?
    /// What the recording's status callback said: `completed`, or `absent` (the caller
    /// said nothing, or hung up before the beep).
    public var recordingStatus: String?
    /// The voicemail's transcript, from Twilio's transcription callback.
    public var transcript: String?
    /// How the transcription went: `completed` or `failed`.
    public var transcriptStatus: String?
    /// When the company's retention (or `switchboard recordings purge`) deleted the
    /// recording at Twilio (ISO 8601, UTC, milliseconds).
    public var recordingDeletedAt: String?
    /// How a forward's dial ended (Twilio's `DialCallStatus`: `completed`, `answered`,
    /// `busy`, `no-answer`, `failed`, `canceled`).
    public var dialStatus: String?
    /// How long the forwarded leg lasted, in seconds (`DialCallDuration`).
    public var dialDurationSeconds: Int?
    /// What the caller got when the forward was not answered: `voicemail` or `hangup`.
    public var forwardFallback: String?
    /// A screened forward: the number whose person pressed 1 and took the call.
    public var acceptedBy: String?
    /// A screened forward: `accepted`, or `nobody-accepted` when the fallback ran.
    public var screening: String?
    /// `whatsapp` for a WhatsApp message; absent for a call or a text.
    public var channel: String?
    /// The WhatsApp template a sent message used (`HX…`).
    public var contentSid: String?
    /// The messaging service a sent message went through (`MG…`).
    public var messagingServiceSid: String?
    /// How it ended, from Twilio's status callbacks: `CallStatus` (`completed`, `busy`,
    /// `no-answer`, `failed`, `canceled`, …) or `MessageStatus` (`sent`, `delivered`,
    /// `undelivered`, `failed`, `read`, …), the latest that arrived in Twilio's order.
    public var status: String?
    /// Where `status` stands in Twilio's order (see ``ArchiveRecord/statusOrder(kind:status:sequence:)``):
    /// a callback moves the record only forwards.
    public var statusOrder: Int?
    /// For a call: whether it was answered.
    public var answered: Bool?
    /// For a call: how long it lasted.
    public var durationSeconds: Int?
    /// When it reached a final status (ISO 8601, UTC, milliseconds).
    public var endedAt: String?
    /// Twilio's error, when it failed (a message's `ErrorCode` and `ErrorMessage`).
    public var errorCode: String?
    public var errorMessage: String?

    public init(sid: String, kind: Kind, companyId: String, direction: String = "inbound", at: String) {
        self.sid = sid
        self.kind = kind
        self.companyId = companyId
        self.direction = direction
        self.at = at
    }

    /// The longest sid taken: Twilio's are 34 characters.
    public static let maximumSidLength = 64

    /// True when `sid` can key a record: 2–64 letters and digits.
    public static func isValidSid(_ sid: String) -> Bool {
        var sid = sid
        return (2...maximumSidLength).contains(sid.utf8.count)
            && sid.withUTF8 {
                $0.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
            }
    }

    /// This record with what `other`, a record of the same sid, adds: the one merge
    /// every backend applies, whatever order the records come in (a webhook, its status
    /// callbacks, a recording, `switchboard archive import`).
    ///
    /// - Each detail (``detailFields``: who, what was decided, the recording, the dial)
    ///   is kept where the record has it and taken from `other` where it does not.
    /// - How it ended (``outcomeFields``) moves only forwards in Twilio's order: `other`'s
    ///   replaces it when `other`'s status is further on, each field kept where `other`
    ///   lacks it; a late or repeated callback changes nothing.
    /// - Identity fields (sid, kind, company, direction, time) never change.
    public func merging(_ other: ArchiveRecord) -> ArchiveRecord {
        var merged = self
        for field in Self.detailFields { field.fill(&merged, other) }
        if let order = other.statusOrder, order > statusOrder ?? Int.min {
            for field in Self.outcomeFields { field.fill(&merged, other) }
            merged.status = other.status
            merged.statusOrder = other.statusOrder
        }
        return merged
    }
}

extension ArchiveRecord {
    /// One field a later record about the same sid may bring, and how each backend
    /// stores it.
    struct MergedField: Sendable {
        let name: String
        /// `"name":`, as ``ArchiveRecord/jsonText`` writes the key.
        let jsonKey: [UInt8]
        /// Takes `other`'s value where the record has none (details), or where `other`
        /// has one (outcomes, applied only when `other` is further on).
        let fill: @Sendable (inout ArchiveRecord, ArchiveRecord) -> Void
        /// The value as MongoDB stores it, when the record has one.
        let stored: @Sendable (ArchiveRecord) -> MongoValue?
        /// Whether the record has a value.
        let has: @Sendable (ArchiveRecord) -> Bool

        /// A detail: kept where present, taken where absent.
        static func detail<Value: Sendable>(
            _ name: String, _ get: @escaping @Sendable (ArchiveRecord) -> Value?,
            _ set: @escaping @Sendable (inout ArchiveRecord, Value?) -> Void,
            _ stored: @escaping @Sendable (Value) -> MongoValue
        ) -> MergedField {
            field(name, get, stored) { record, other in
                if get(record) == nil { set(&record, get(other)) }
            }
        }

        /// An outcome: `other`'s where it has one.
        static func outcome<Value: Sendable>(
            _ name: String, _ get: @escaping @Sendable (ArchiveRecord) -> Value?,
            _ set: @escaping @Sendable (inout ArchiveRecord, Value?) -> Void,
            _ stored: @escaping @Sendable (Value) -> MongoValue
        ) -> MergedField {
            field(name, get, stored) { record, other in
                if let value = get(other) { set(&record, value) }
            }
        }

        private static func field<Value: Sendable>(
            _ name: String, _ get: @escaping @Sendable (ArchiveRecord) -> Value?,
            _ stored: @escaping @Sendable (Value) -> MongoValue,
            fill: @escaping @Sendable (inout ArchiveRecord, ArchiveRecord) -> Void
        ) -> MergedField {
            MergedField(
                name: name, jsonKey: Array("\"\(name)\":".utf8), fill: fill, stored: { get($0).map(stored) },
                has: { get($0) != nil })
        }
    }

    /// Whether merging this record into the stored one, given as the JSON text
    /// ``jsonText`` wrote, could change it: a detail this record has that the stored one
    /// lacks, or an outcome further on in Twilio's order. A look at the text's keys, so a
    /// retry that adds nothing (the common case) is not decoded.
    func mayAdd(toStored text: String) -> Bool {
        var text = text
        return text.withUTF8 { mayAdd(toStored: $0) }
    }

    /// ``mayAdd(toStored:)-(String)`` on the stored text's bytes, where the store has them.
    func mayAdd(toStored stored: UnsafeBufferPointer<UInt8>) -> Bool {
        for field in Self.detailFields where field.has(self) {
            if Self.find(field.jsonKey, in: stored) == nil { return true }
        }
        guard let order = statusOrder else { return false }
        guard let end = Self.find(Self.statusOrderKey, in: stored) else { return true }
        var index = end
        var negative = false
        if index < stored.count && stored[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var value = 0
        while index < stored.count, stored[index] >= 0x30, stored[index] <= 0x39 {
            value = value &* 10 &+ Int(stored[index] - 0x30)
            index += 1
        }
        return order > (negative ? -value : value)
    }

    private static let statusOrderKey = Array("\"statusOrder\":".utf8)

    /// Where `key` (`"name":`) ends in `bytes`, or `nil`: `memchr` finds each place the
    /// name's first letter stands, then the rest is compared. A key is written only as a
    /// key: inside a JSON string every `"` is escaped, so `"name":` never occurs in a value.
    private static func find(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress, key.count >= 2 else { return nil }
        var from = 1
        while from < bytes.count {
            guard let hit = memchr(base + from, Int32(key[1]), bytes.count - from) else { return nil }
            let letter = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            let start = letter - 1
            if start + key.count <= bytes.count && bytes[start] == key[0] {
                var matched = 2
                while matched < key.count && bytes[start + matched] == key[matched] { matched += 1 }
                if matched == key.count { return start + key.count }
            }
            from = letter + 1
        }
        return nil
    }

    /// What the record says about the call or message besides who, when and how it ended.
    static let detailFields: [MergedField] = [
        .detail("accountSid", { $0.accountSid }, { $0.accountSid = $1 }, MongoValue.string),
        .detail("from", { $0.from }, { $0.from = $1 }, MongoValue.string),
        .detail("to", { $0.to }, { $0.to = $1 }, MongoValue.string),
        .detail("decision", { $0.decision }, { $0.decision = $1 }, MongoValue.string),
        .detail("body", { $0.body }, { $0.body = $1 }, MongoValue.string),
        .detail("mediaUrls", { $0.mediaUrls }, { $0.mediaUrls = $1 }, { .array($0.map(MongoValue.string)) }),
        .detail("keyword", { $0.keyword }, { $0.keyword = $1 }, MongoValue.string),
        .detail("recordingSid", { $0.recordingSid }, { $0.recordingSid = $1 }, MongoValue.string),
        .detail("recordingUrl", { $0.recordingUrl }, { $0.recordingUrl = $1 }, MongoValue.string),
        .detail("recordingDuration", { $0.recordingDuration }, { $0.recordingDuration = $1 }, MongoValue.string),
        .detail(
            "recordingDurationSeconds", { $0.recordingDurationSeconds }, { $0.recordingDurationSeconds = $1 },
            MongoValue.int),
        .detail("recordingStatus", { $0.recordingStatus }, { $0.recordingStatus = $1 }, MongoValue.string),
        .detail("transcript", { $0.transcript }, { $0.transcript = $1 }, MongoValue.string),
        .detail("transcriptStatus", { $0.transcriptStatus }, { $0.transcriptStatus = $1 }, MongoValue.string),
        .detail("recordingDeletedAt", { $0.recordingDeletedAt }, { $0.recordingDeletedAt = $1 }, MongoValue.date),
        .detail("dialStatus", { $0.dialStatus }, { $0.dialStatus = $1 }, MongoValue.string),
        .detail("dialDurationSeconds", { $0.dialDurationSeconds }, { $0.dialDurationSeconds = $1 }, MongoValue.int),
        .detail("forwardFallback", { $0.forwardFallback }, { $0.forwardFallback = $1 }, MongoValue.string),
        .detail("acceptedBy", { $0.acceptedBy }, { $0.acceptedBy = $1 }, MongoValue.string),
        .detail("screening", { $0.screening }, { $0.screening = $1 }, MongoValue.string),
        .detail("channel", { $0.channel }, { $0.channel = $1 }, MongoValue.string),
        .detail("contentSid", { $0.contentSid }, { $0.contentSid = $1 }, MongoValue.string),
        .detail(
            "messagingServiceSid", { $0.messagingServiceSid }, { $0.messagingServiceSid = $1 }, MongoValue.string),
    ]

    /// How the call or message ended, besides its status and its place in Twilio's order.
    static let outcomeFields: [MergedField] = [
        .outcome("answered", { $0.answered }, { $0.answered = $1 }, MongoValue.bool),
        .outcome("durationSeconds", { $0.durationSeconds }, { $0.durationSeconds = $1 }, MongoValue.int),
        .outcome("endedAt", { $0.endedAt }, { $0.endedAt = $1 }, MongoValue.date),
        .outcome("errorCode", { $0.errorCode }, { $0.errorCode = $1 }, MongoValue.string),
        .outcome("errorMessage", { $0.errorMessage }, { $0.errorMessage = $1 }, MongoValue.string),
    ]
}
