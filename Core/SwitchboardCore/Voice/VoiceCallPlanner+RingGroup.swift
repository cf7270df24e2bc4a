#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A forward to a ring group, and its screening.
///
/// **Simultaneous** (the default): one `<Dial>` holds every number of the group; Twilio
/// rings them all for `forwardRingSeconds`, and the first to pick up gets the call.
/// **Sequential**: one `<Dial>` a number; when it ends untaken, its `action`
/// (`dialed=1&next=N`) comes back to Voice, which dials the next.
///
/// **Screening** (`forwardScreening`): each `<Number>` runs Voice's `screen=1` callback on
/// the leg that picked up, before it is bridged: the whisper and "press 1" in a
/// `<Gather>`. Only a pressed 1 (the `accept=1` callback, which marks the call's record
/// `acceptedBy`) ends that TwiML and bridges the caller; no key, another key, a mobile's
/// voicemail greeting or a fax tone end the leg. Whether Twilio hangs up the group's
/// other legs when one picks up or only when one is bridged is not documented (see
/// docs/routing.md), so Switchboard does not count on either: when a simultaneous dial
/// ends with nobody accepted and ring time left (`until`), the numbers that have not
/// picked up ring again for the time left (`skip` names the ones that did). When the
/// group is spent, the company's `forwardFallback` runs.
extension VoiceCallPlanner {
    /// The numbers a forward rings: `forwardNumbers`, or `forwardNumber` alone; the ones
    /// that are phone numbers, in order.
    public static func ringGroup(of tenant: TenantSnapshot) -> [PhoneNumber] {
        if let group = tenant.forwardNumbers?.items, !group.isEmpty {
            return group.prefix(SettingList.maximumCount).compactMap { try? PhoneNumber(parsing: $0) }
        }
        guard let single = tenant.forwardNumber, let number = try? PhoneNumber(parsing: single) else { return [] }
        return [number]
    }

    /// How long each ring lasts: `forwardRingSeconds`, or ``ForwardRing/defaultSeconds``.
    static func ringSeconds(_ tenant: TenantSnapshot) -> Int {
        tenant.forwardRingSeconds.map { min(max($0, ForwardRing.seconds.lowerBound), ForwardRing.seconds.upperBound) }
            ?? ForwardRing.defaultSeconds
    }

    static func isSequential(_ tenant: TenantSnapshot) -> Bool { tenant.forwardStrategy == .sequential }

    /// The forward's first `<Dial>`: the whole group, or its first number in sequence.
    func firstDial(_ tenant: TenantSnapshot, group: [PhoneNumber], callSid: String?, voiceURL: String, now: Date)
        -> TwiMLElement
    {
        let ring = Self.ringSeconds(tenant)
        if Self.isSequential(tenant) {
            return dial(
                tenant, members: [0], group: group, timeout: ring, callSid: callSid, voiceURL: voiceURL,
                state: [("next", "1")])
        }
        var state: [(String, String)] = []
        if tenant.forwardScreening == true {
            state = [("until", String(Int(now.timeIntervalSince1970) + ring)), ("skip", "0")]
        }
        return dial(
            tenant, members: Array(group.indices), group: group, timeout: ring, callSid: callSid, voiceURL: voiceURL,
            state: state)
    }

    /// A `<Dial>` ringing `members` (places in `group`) for `timeout` seconds, whose
    /// action comes back with `state`.
    private func dial(
        _ tenant: TenantSnapshot, members: [Int], group: [PhoneNumber], timeout: Int, callSid: String?,
        voiceURL: String, state: [(String, String)]
    ) -> TwiMLElement {
        let screening = tenant.forwardScreening == true
        let call = callSid.flatMap { ArchiveRecord.isValidSid($0) ? $0 : nil }
        var whisperURL: String?
        if !screening, let message = tenant.whisperMessage, !message.isEmpty {
            whisperURL = Self.callbackURL(voiceURL, leg: .whisper, companyID: tenant.companyID)
        }
        let numbers = members.map { member in
            var url = whisperURL
            if screening {
                var fields = [("member", String(member))]
                if let call { fields.append(("call", call)) }
                url = Self.callbackURL(voiceURL, leg: .screen, companyID: tenant.companyID, fields)
            }
            return TwiMLElement("Number", [("url", url)], text: group[member].e164)
        }
        return TwiMLElement(
            "Dial",
            [
                ("action", Self.callbackURL(voiceURL, leg: .dialed, companyID: tenant.companyID, state)),
                ("method", "POST"), ("answerOnBridge", "true"), ("timeout", String(timeout)),
                ("record", tenant.recordingEnabled ? "record-from-answer-dual" : nil),
            ],
            children: numbers)
    }

    /// How long a screened callee has to press a key, in seconds.
    public static let screeningSeconds = 8

    /// What the person who picked up a screened forward hears: the whisper (or the
    /// company's name) and "press 1", in a `<Gather>` whose key comes back as the
    /// `accept=1` callback; nothing pressed: the leg ends.
    public func screen(tenant: TenantSnapshot, member: String?, callSid: String?, voiceURL: String) -> String {
        var fields: [(String, String)] = []
        if let member, let index = Int(member), index >= 0, index < SettingList.maximumCount {
            fields.append(("member", String(index)))
        }
        if let callSid, ArchiveRecord.isValidSid(callSid) { fields.append(("call", callSid)) }
        let intro =
            tenant.whisperMessage.flatMap { $0.isEmpty ? nil : $0 }
            ?? "You have a call for \(tenant.companyName.isEmpty ? "the company" : tenant.companyName)."
        let gather = TwiMLElement(
            "Gather",
            [
                ("numDigits", "1"), ("timeout", String(Self.screeningSeconds)),
                ("action", Self.callbackURL(voiceURL, leg: .accept, companyID: tenant.companyID, fields)),
                ("method", "POST"), ("actionOnEmptyResult", "false"),
            ],
            children: [TwiMLElement("Say", text: intro), TwiMLElement("Say", text: "Press 1 to accept this call.")])
        return TwiML.response([gather, TwiMLElement("Say", text: "Goodbye."), TwiMLElement("Hangup")])
    }

    /// What a screened callee's key does: `1` bridges the caller (the TwiML ends), any
    /// other key ends the leg.
    public func accepted(digits: String?) -> (accepted: Bool, twiml: String) {
        if digits == "1" { return (true, TwiML.response([])) }
        return (false, TwiML.response([TwiMLElement("Say", text: "Goodbye."), TwiMLElement("Hangup")]))
    }

    /// What follows when one of the forward's `<Dial>`s ended.
    ///
    /// - Parameters:
    ///   - query: the action's query: where a sequence stands (`next`), or a screened
    ///     group's deadline (`until`) and the numbers that picked up (`skip`).
    ///   - parameters: Twilio's form: `DialCallStatus`, and the caller's `CallStatus`.
    ///   - accepted: with screening, whether a callee pressed 1 (the call's record says);
    ///     `nil` when that cannot be known (no archive): a dial Twilio calls completed
    ///     then counts as taken.
    ///   - pickedUp: with screening, the place in the group of the number that picked up
    ///     and did not accept (its leg's record says), when known.
    public func dialEnded(
        tenant: TenantSnapshot, query: FormParameters, parameters: FormParameters, accepted: Bool?, pickedUp: Int?,
        voiceURL: String, now: Date = Date()
    ) -> DialOutcome {
        let status = parameters["DialCallStatus"]?.lowercased()
        let hangup = DialOutcome(fallback: nil, twiml: TwiML.response([TwiMLElement("Hangup")]))
        // The caller hung up: nothing more to say to anyone.
        if let callStatus = parameters["CallStatus"]?.lowercased(),
            ["completed", "canceled", "busy", "failed", "no-answer"].contains(callStatus)
        {
            return hangup
        }
        let screening = tenant.forwardScreening == true
        if screening, let accepted {
            if accepted { return hangup }
        } else if let status, !Self.unansweredDialStatuses.contains(status) {
            return hangup
        } else if status == nil {
            return hangup
        }
        let group = Self.ringGroup(of: tenant)
        let ring = Self.ringSeconds(tenant)
        if Self.isSequential(tenant), let next = query["next"].flatMap({ Int($0) }), next >= 1, next < group.count {
            let dial = dial(
                tenant, members: [next], group: group, timeout: ring, callSid: parameters["CallSid"],
                voiceURL: voiceURL, state: [("next", String(next + 1))])
            return DialOutcome(fallback: nil, twiml: TwiML.response([dial]), nextMembers: [group[next]])
        }
        if screening, !Self.isSequential(tenant), let until = query["until"].flatMap({ Int($0) }) {
            var skip = query["skip"].flatMap { Int($0) } ?? 0
            if let pickedUp, pickedUp >= 0, pickedUp < group.count { skip |= 1 << pickedUp }
            // Never more than the group's ring time, whatever the query says.
            let left = min(until - Int(now.timeIntervalSince1970), ring)
            let members = group.indices.filter { skip & (1 << $0) == 0 }
            // Only when a number picked up and dropped early: a dial that rang out is over.
            if pickedUp != nil, left >= ForwardRing.seconds.lowerBound, !members.isEmpty {
                let dial = dial(
                    tenant, members: members, group: group, timeout: left, callSid: parameters["CallSid"],
                    voiceURL: voiceURL, state: [("until", String(until)), ("skip", String(skip))])
                return DialOutcome(fallback: nil, twiml: TwiML.response([dial]), nextMembers: members.map { group[$0] })
            }
        }
        return fallback(tenant, voiceURL: voiceURL)
    }
}
