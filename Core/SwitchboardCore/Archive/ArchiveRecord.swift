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

    /// This record with the fields it lacks taken from `later`: what a repeated or later
    /// webhook about the same sid adds. Identity fields never change.
    public func merging(_ later: ArchiveRecord) -> ArchiveRecord {
        var merged = self
        merged.accountSid = accountSid ?? later.accountSid
        merged.from = from ?? later.from
        merged.to = to ?? later.to
        merged.decision = decision ?? later.decision
        merged.body = body ?? later.body
        merged.mediaUrls = mediaUrls ?? later.mediaUrls
        merged.keyword = keyword ?? later.keyword
        merged.recordingSid = recordingSid ?? later.recordingSid
        merged.recordingUrl = recordingUrl ?? later.recordingUrl
        merged.recordingDuration = recordingDuration ?? later.recordingDuration
        merged.dialStatus = dialStatus ?? later.dialStatus
        merged.dialDurationSeconds = dialDurationSeconds ?? later.dialDurationSeconds
        merged.forwardFallback = forwardFallback ?? later.forwardFallback
        // How it ended moves only forwards in Twilio's order: a late or repeated callback
        // changes nothing.
        if let order = later.statusOrder, order > statusOrder ?? Int.min {
            merged.status = later.status
            merged.statusOrder = later.statusOrder
            merged.answered = later.answered ?? answered
            merged.durationSeconds = later.durationSeconds ?? durationSeconds
            merged.endedAt = later.endedAt ?? endedAt
            merged.errorCode = later.errorCode ?? errorCode
            merged.errorMessage = later.errorMessage ?? errorMessage
        }
        return merged
    }

    /// True when the record carries a voicemail's recording, which joins its call's record.
    var addsRecording: Bool { recordingSid != nil || recordingUrl != nil || recordingDuration != nil }

    /// True when the record carries how a forward's dial ended, which joins its call's record.
    var addsDial: Bool { dialStatus != nil }

    /// True when the record carries fields a later webhook adds to an existing record.
    var addsToExisting: Bool { addsRecording || addsDial || statusOrder != nil }
}
