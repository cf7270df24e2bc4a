#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a call or message ended, from Twilio's status callbacks
/// (`POST /api/twilio/voice/status`, `POST /api/twilio/sms/status`).
///
/// Callbacks arrive late, twice, or out of order. Each carries a status whose place in
/// Twilio's order (``statusOrder(kind:status:sequence:)``) the record keeps, and a
/// record moves only forwards: a late `ringing` never overwrites `completed`, a late
/// `sent` never overwrites `delivered`, and a repeat changes nothing.
extension ArchiveRecord {
    /// Twilio's call statuses in the order a call goes through them; every final one last.
    static let callStatusRanks: [String: Int] = [
        "queued": 1, "initiated": 2, "ringing": 3, "in-progress": 4,
        "completed": 5, "busy": 5, "no-answer": 5, "failed": 5, "canceled": 5,
    ]

    /// Twilio's message statuses in the order a message goes through them.
    static let messageStatusRanks: [String: Int] = [
        "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "receiving": 3, "sent": 4, "received": 4,
        "delivery_unknown": 5, "delivered": 6, "undelivered": 6, "failed": 6, "canceled": 6, "partially_delivered": 6,
        "read": 7,
    ]

    /// Twilio's `Direction` values, which a record keeps as they are.
    public static let directions: Set<String> = ["inbound", "outbound-api", "outbound-dial", "outbound-reply"]

    /// The final statuses: the call or message is over.
    static let finalCallRank = 5, finalMessageRank = 6

    /// Where `status` stands: its rank in Twilio's order, then Twilio's `SequenceNumber`
    /// (a call's callbacks are numbered) within it. An unknown status stands first, so
    /// it is kept only by a record that has none.
    public static func statusOrder(kind: Kind, status: String, sequence: Int?) -> Int {
        let rank = (kind == .call ? callStatusRanks : messageStatusRanks)[status] ?? 0
        return rank * 1_000 + min(max(sequence ?? 0, 0), 999)
    }

    /// What a status callback adds to its call's or message's record, for `tenant`;
    /// `nil` without a valid sid or a status. A callback for a sid with no record (a
    /// call placed from Twilio's console) makes the record.
    public init?(statusCallback parameters: FormParameters, kind: Kind, tenant: TenantSnapshot, at now: Date = Date()) {
        let sidName = kind == .call ? "CallSid" : "MessageSid"
        let statusName = kind == .call ? "CallStatus" : "MessageStatus"
        guard let sid = parameters[sidName] ?? (kind == .message ? parameters["SmsSid"] : nil), Self.isValidSid(sid),
            let reported = parameters[statusName] ?? (kind == .message ? parameters["SmsStatus"] : nil),
            !reported.isEmpty
        else { return nil }
        let status = reported.lowercased().clipped(to: 32)
        let direction =
            parameters["Direction"].map {
                Self.directions.contains($0) ? $0 : $0.hasPrefix("outbound") ? "outbound-api" : "inbound"
            } ?? "inbound"
        self.init(
            sid: sid, kind: kind, companyId: tenant.companyID.rawValue, direction: direction, at: Timestamp.format(now))
        accountSid = parameters["AccountSid"].map(Self.field)
        from = parameters["From"].map(Self.field)
        to = parameters["To"].map(Self.field)
        self.status = status
        let order = Self.statusOrder(
            kind: kind, status: status, sequence: parameters["SequenceNumber"].flatMap { Int($0) })
        statusOrder = order
        let rank = order / 1_000
        if kind == .call {
            answered = rank >= 4 ? (status == "in-progress" || status == "completed") : nil
            durationSeconds = parameters["CallDuration"].flatMap { Int($0) }.map { max(0, $0) }
        }
        if rank >= (kind == .call ? Self.finalCallRank : Self.finalMessageRank) { endedAt = Timestamp.format(now) }
        errorCode = parameters["ErrorCode"].flatMap { $0.isEmpty ? nil : Self.field($0) }
        errorMessage = parameters["ErrorMessage"].flatMap { $0.isEmpty ? nil : $0.clipped(to: 300) }
    }
}
