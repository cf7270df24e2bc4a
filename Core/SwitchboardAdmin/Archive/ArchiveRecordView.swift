import SwitchboardCore

/// A call or message of the archive as the API shows it: the record's fields, those it
/// has, without the bookkeeping the store keeps to order status callbacks.
///
///     { "sid": "SM…", "kind": "message", "companyId": "…", "direction": "outbound-api",
///       "at": "2026-12-06T21:09:06.123Z", "from": "+15550100001", "to": "+15557654321",
///       "decision": "sent", "body": "…", "status": "delivered", "endedAt": "…" }
public struct ArchiveRecordView: Encodable, Sendable, Equatable {
    public let record: ArchiveRecord
    /// For a call the company is to be told of: how far its announcement got.
    public let notification: NotificationEntry?

    public init(_ record: ArchiveRecord, notification: NotificationEntry? = nil) {
        self.record = record
        self.notification = notification
    }

    /// An announcement as the API shows it: where it stands, when it was sent, how many
    /// tries failed and why the last did, and when the next try is.
    struct NotificationView: Encodable {
        let entry: NotificationEntry

        enum CodingKeys: String, CodingKey { case state, sentAt, failures, lastError, nextTryAt }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entry.state.rawValue, forKey: .state)
            try c.encodeIfPresent(entry.sentAt.map(Timestamp.format), forKey: .sentAt)
            try c.encode(entry.failures, forKey: .failures)
            try c.encodeIfPresent(entry.state == .sent ? nil : entry.lastError, forKey: .lastError)
            let waiting = entry.state == .failed || entry.state == .pending
            try c.encodeIfPresent(waiting ? entry.dueAt.map(Timestamp.format) : nil, forKey: .nextTryAt)
        }
    }

    enum CodingKeys: String, CodingKey {
        case sid, kind, companyId, direction, at, accountSid, from, to, decision, body, mediaUrls, keyword
        case recordingSid, recordingUrl, recordingDuration, recordingDurationSeconds, recordingStatus
        case transcript, transcriptStatus, recordingDeletedAt, dialStatus, dialDurationSeconds, forwardFallback
        case acceptedBy, screening, channel, contentSid, messagingServiceSid
        case status, answered, durationSeconds, endedAt, errorCode, errorMessage, notification
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.sid, forKey: .sid)
        try c.encode(record.kind.rawValue, forKey: .kind)
        try c.encode(record.companyId, forKey: .companyId)
        try c.encode(record.direction, forKey: .direction)
        try c.encode(record.at, forKey: .at)
        try c.encodeIfPresent(record.accountSid, forKey: .accountSid)
        try c.encodeIfPresent(record.from, forKey: .from)
        try c.encodeIfPresent(record.to, forKey: .to)
        try c.encodeIfPresent(record.decision, forKey: .decision)
        try c.encodeIfPresent(record.body, forKey: .body)
        try c.encodeIfPresent(record.mediaUrls, forKey: .mediaUrls)
        try c.encodeIfPresent(record.keyword, forKey: .keyword)
        try c.encodeIfPresent(record.recordingSid, forKey: .recordingSid)
        try c.encodeIfPresent(record.recordingUrl, forKey: .recordingUrl)
        try c.encodeIfPresent(record.recordingDuration, forKey: .recordingDuration)
        try c.encodeIfPresent(record.recordingDurationSeconds, forKey: .recordingDurationSeconds)
        try c.encodeIfPresent(record.recordingStatus, forKey: .recordingStatus)
        try c.encodeIfPresent(record.transcript, forKey: .transcript)
        try c.encodeIfPresent(record.transcriptStatus, forKey: .transcriptStatus)
        try c.encodeIfPresent(record.recordingDeletedAt, forKey: .recordingDeletedAt)
        try c.encodeIfPresent(record.dialStatus, forKey: .dialStatus)
        try c.encodeIfPresent(record.dialDurationSeconds, forKey: .dialDurationSeconds)
        try c.encodeIfPresent(record.forwardFallback, forKey: .forwardFallback)
        try c.encodeIfPresent(record.acceptedBy, forKey: .acceptedBy)
        try c.encodeIfPresent(record.screening, forKey: .screening)
        try c.encodeIfPresent(record.channel, forKey: .channel)
        try c.encodeIfPresent(record.contentSid, forKey: .contentSid)
        try c.encodeIfPresent(record.messagingServiceSid, forKey: .messagingServiceSid)
        try c.encodeIfPresent(record.status, forKey: .status)
        try c.encodeIfPresent(record.answered, forKey: .answered)
        try c.encodeIfPresent(record.durationSeconds, forKey: .durationSeconds)
        try c.encodeIfPresent(record.endedAt, forKey: .endedAt)
        try c.encodeIfPresent(record.errorCode, forKey: .errorCode)
        try c.encodeIfPresent(record.errorMessage, forKey: .errorMessage)
        try c.encodeIfPresent(notification.map(NotificationView.init), forKey: .notification)
    }
}
