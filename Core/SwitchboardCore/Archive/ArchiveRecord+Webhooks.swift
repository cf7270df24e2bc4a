#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ArchiveRecord {
    /// The record of an incoming call, from Twilio's parameters; `nil` without a valid
    /// `CallSid` (nothing to key it by).
    public init?(call parameters: FormParameters, tenant: TenantSnapshot, decision: String, at now: Date = Date()) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid) else { return nil }
        self.init(incomingCall: parameters, sid: sid, tenant: tenant, at: now)
        self.decision = decision
    }

    /// What a finished voicemail adds to its call's record: `RecordingSid`,
    /// `RecordingUrl`, `RecordingDuration`.
    public init?(recording parameters: FormParameters, tenant: TenantSnapshot, at now: Date = Date()) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid) else { return nil }
        self.init(incomingCall: parameters, sid: sid, tenant: tenant, at: now)
        decision = "voicemail"
        recordingSid = parameters["RecordingSid"].map(Self.field)
        recordingUrl = parameters["RecordingUrl"].map { $0.clipped(to: 2_048) }
        recordingDuration = parameters["RecordingDuration"].map(Self.field)
    }

    /// What a recording's status callback adds to its call's record: the recording
    /// (`RecordingSid`, `RecordingUrl`, `RecordingDuration`) and `RecordingStatus`;
    /// `nil` without a valid `CallSid` or a status Switchboard knows (`in-progress` is
    /// not asked for).
    public init?(recordingStatus parameters: FormParameters, tenant: TenantSnapshot, at now: Date = Date()) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid),
            let status = parameters["RecordingStatus"]?.lowercased(), Self.recordingStatuses.contains(status)
        else { return nil }
        self.init(incomingCall: parameters, sid: sid, tenant: tenant, at: now)
        recordingStatus = status
        if status == "completed" {
            recordingSid = parameters["RecordingSid"].flatMap { Self.isValidSid($0) ? $0 : nil }
            recordingUrl = parameters["RecordingUrl"].map { $0.clipped(to: 2_048) }
            recordingDuration = parameters["RecordingDuration"].map(Self.field)
            recordingDurationSeconds = parameters["RecordingDuration"].flatMap { Int($0) }.map { max(0, $0) }
        }
    }

    /// The `RecordingStatus` values a recording's status callback is taken with.
    public static let recordingStatuses: Set<String> = ["completed", "absent", "failed"]

    /// The longest transcript kept, in characters: a 2-minute message is far shorter.
    public static let maximumTranscriptLength = 8_000

    /// What Twilio's transcription callback adds to its call's record: the transcript
    /// (`TranscriptionText`, cut to ``maximumTranscriptLength``) and `TranscriptionStatus`;
    /// `nil` without a valid `CallSid` or a status of `completed` or `failed`.
    public init?(transcription parameters: FormParameters, tenant: TenantSnapshot, at now: Date = Date()) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid),
            let status = parameters["TranscriptionStatus"]?.lowercased(), status == "completed" || status == "failed"
        else { return nil }
        self.init(incomingCall: parameters, sid: sid, tenant: tenant, at: now)
        recordingSid = parameters["RecordingSid"].flatMap { Self.isValidSid($0) ? $0 : nil }
        transcriptStatus = status
        if status == "completed" {
            transcript = (parameters["TranscriptionText"] ?? "").clipped(to: Self.maximumTranscriptLength)
        }
    }

    /// What the end of a forward's dial adds to its call's record: `DialCallStatus`,
    /// `DialCallDuration`, and the fallback the caller got when nobody answered.
    public init?(
        dial parameters: FormParameters, tenant: TenantSnapshot, fallback: ForwardFallback?, at now: Date = Date()
    ) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid), let status = parameters["DialCallStatus"],
            !status.isEmpty
        else { return nil }
        self.init(incomingCall: parameters, sid: sid, tenant: tenant, at: now)
        decision = CallRoutingMode.forward.rawValue
        dialStatus = status.lowercased().clipped(to: 32)
        dialDurationSeconds = parameters["DialCallDuration"].flatMap { Int($0) }.map { max(0, $0) }
        forwardFallback = fallback?.rawValue
    }

    /// The record of a screened forward's leg that picked up (`sid` its own `CallSid`):
    /// the number it rang, so the dial's end knows who picked up without taking the call.
    public init?(
        screenedLeg parameters: FormParameters, member: PhoneNumber?, tenant: TenantSnapshot, at now: Date = Date()
    ) {
        guard let sid = parameters["CallSid"], Self.isValidSid(sid) else { return nil }
        self.init(
            sid: sid, kind: .call, companyId: tenant.companyID.rawValue, direction: "outbound-dial",
            at: Timestamp.format(now))
        accountSid = parameters["AccountSid"].map(Self.field)
        from = parameters["From"].map(Self.field)
        to = member?.e164 ?? parameters["To"].map(Self.field)
        decision = "screening"
    }

    /// What a screened forward's acceptance adds to the caller's call (`callSid`): who took it.
    public init?(acceptedCall callSid: String?, by number: PhoneNumber, tenant: TenantSnapshot, at now: Date = Date()) {
        guard let callSid, Self.isValidSid(callSid) else { return nil }
        self.init(sid: callSid, kind: .call, companyId: tenant.companyID.rawValue, at: Timestamp.format(now))
        decision = CallRoutingMode.forward.rawValue
        acceptedBy = number.e164
        screening = "accepted"
    }

    /// The record of an incoming message.
    public init?(
        message: InboundMessage, parameters: FormParameters, tenant: TenantSnapshot, decision: String,
        keyword: SMSKeyword?, at now: Date = Date()
    ) {
        guard let sid = message.sid, Self.isValidSid(sid) else { return nil }
        self.init(
            sid: sid, kind: .message, companyId: tenant.companyID.rawValue, direction: "inbound",
            at: Timestamp.format(now))
        accountSid = parameters["AccountSid"].map(Self.field)
        from = Self.field(message.from)
        to = Self.field(message.to)
        self.decision = decision
        body = message.body.clipped(to: 1_600 * 4)
        mediaUrls = message.mediaURLs.isEmpty ? nil : message.mediaURLs.map { $0.clipped(to: 2_048) }
        self.keyword = keyword?.word
        channel = message.channel == .whatsapp ? MessageChannel.whatsapp.rawValue : nil
    }

    /// An incoming call's record for `tenant`, keyed by `sid`, with the account and the
    /// numbers Twilio posted: what every webhook about the call starts its record with.
    private init(incomingCall parameters: FormParameters, sid: String, tenant: TenantSnapshot, at now: Date) {
        self.init(
            sid: sid, kind: .call, companyId: tenant.companyID.rawValue, direction: "inbound", at: Timestamp.format(now)
        )
        accountSid = parameters["AccountSid"].map(Self.field)
        from = parameters["From"].map(Self.field)
        to = parameters["To"].map(Self.field)
    }

    /// A short field as it is kept: at most 64 characters.
    static func field(_ text: String) -> String { text.clipped(to: 64) }
}
