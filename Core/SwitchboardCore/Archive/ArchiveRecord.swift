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
    /// How a forward's dial ended (Twilio's `DialCallStatus`: `completed`, `answered`,
    /// `busy`, `no-answer`, `failed`, `canceled`).
    public var dialStatus: String?
    /// How long the forwarded leg lasted, in seconds (`DialCallDuration`).
    public var dialDurationSeconds: Int?
    /// What the caller got when the forward was not answered: `voicemail` or `hangup`.
    public var forwardFallback: String?
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
        /// Takes `other`'s value where the record has none (details), or where `other`
        /// has one (outcomes, applied only when `other` is further on).
        let fill: @Sendable (inout ArchiveRecord, ArchiveRecord) -> Void
        /// The value as MongoDB stores it, when the record has one.
        let stored: @Sendable (ArchiveRecord) -> MongoValue?

        /// A detail: kept where present, taken where absent.
        static func detail<Value: Sendable>(
            _ name: String, _ keyPath: any WritableKeyPath<ArchiveRecord, Value?> & Sendable,
            _ stored: @escaping @Sendable (Value) -> MongoValue
        ) -> MergedField {
            MergedField(
                name: name,
                fill: { record, other in
                    if record[keyPath: keyPath] == nil { record[keyPath: keyPath] = other[keyPath: keyPath] }
                },
                stored: { $0[keyPath: keyPath].map(stored) })
        }

        /// An outcome: `other`'s where it has one.
        static func outcome<Value: Sendable>(
            _ name: String, _ keyPath: any WritableKeyPath<ArchiveRecord, Value?> & Sendable,
            _ stored: @escaping @Sendable (Value) -> MongoValue
        ) -> MergedField {
            MergedField(
                name: name,
                fill: { record, other in
                    if let value = other[keyPath: keyPath] { record[keyPath: keyPath] = value }
                },
                stored: { $0[keyPath: keyPath].map(stored) })
        }
    }

    /// What the record says about the call or message besides who, when and how it ended.
    static let detailFields: [MergedField] = [
        .detail("accountSid", \.accountSid, MongoValue.string), .detail("from", \.from, MongoValue.string),
        .detail("to", \.to, MongoValue.string), .detail("decision", \.decision, MongoValue.string),
        .detail("body", \.body, MongoValue.string),
        .detail("mediaUrls", \.mediaUrls) { .array($0.map(MongoValue.string)) },
        .detail("keyword", \.keyword, MongoValue.string), .detail("recordingSid", \.recordingSid, MongoValue.string),
        .detail("recordingUrl", \.recordingUrl, MongoValue.string),
        .detail("recordingDuration", \.recordingDuration, MongoValue.string),
        .detail("dialStatus", \.dialStatus, MongoValue.string),
        .detail("dialDurationSeconds", \.dialDurationSeconds, MongoValue.int),
        .detail("forwardFallback", \.forwardFallback, MongoValue.string),
    ]

    /// How the call or message ended, besides its status and its place in Twilio's order.
    static let outcomeFields: [MergedField] = [
        .outcome("answered", \.answered, MongoValue.bool),
        .outcome("durationSeconds", \.durationSeconds, MongoValue.int),
        .outcome("endedAt", \.endedAt, MongoValue.date), .outcome("errorCode", \.errorCode, MongoValue.string),
        .outcome("errorMessage", \.errorMessage, MongoValue.string),
    ]
}
