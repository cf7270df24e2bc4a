import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardNotify
import SwitchboardRuntime
import WebhookFunction

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers Twilio's incoming-call webhook.
///
/// The story of one call:
/// 1. Only `POST` is answered; the form body is decoded (base64 when AWS flags it).
/// 2. The gate finds the company: by the dialled number (`To`) for a new call, or by the
///    `companyId` in the query for Voice's own callbacks (the whisper played to whoever
///    answers a forwarded call, the end of a forward's dial, the end of a voicemail).
/// 3. The request must be signed by **that company's** Twilio account: its auth token
///    checks `X-Twilio-Signature`, and the posted `AccountSid` must be its own.
///    Otherwise: 403 and no TwiML.
/// 4. A caller the company blocks is rejected as busy; outside its business hours its
///    after-hours settings stand in for its own; then its routing mode picks the TwiML
///    (see ``VoiceCallPlanner``): a ring group, in turn or at once, screened when the
///    company asks (the `screen=1` and `accept=1` callbacks, through the same gate).
/// 5. The call is recorded in the company's archive (the voicemail's recording and how a
///    forward's dial ended join its call's record) before the answer goes back.
///
/// A forward nobody answers (or that is busy, or fails) comes back as the dial's action
/// and gets the company's `forwardFallback`: its voicemail unless it chose `hangup`.
///
/// Twilio's status callbacks (`POST /api/twilio/voice/status?companyId=…`) say how a call
/// ended; they go through the same gate and join the call's record (see ``StatusCallback``).
///
/// A number no company answers gets a short spoken "not configured" and a warning log
/// naming the number; a directory that cannot be reached gets "try again later". Twilio
/// never hears a 500 from an expected failure.
struct VoiceHandler: TwilioWebhookFunction {
    let services: WebhookServices
    let planner: VoiceCallPlanner
    let announcer: CallAnnouncer
    /// Plays a voicemail notification's link when it points at Voice's own URL.
    let playback: RecordingPlayback

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try WebhookServices(
            environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        planner = VoiceCallPlanner(platformAgentStreamURL: try Settings.agentStreamURL(environment))
        announcer = try CallAnnouncer(
            environment: environment, store: services.stores, archive: services.archive, logger: context.logger)
        playback = announcer.playback()
        context.logger.info(
            "function.ready",
            metadata: ["store": "\(services.store)", "data_key.id": "\(services.gate.vault.currentKeyID)"])
    }

    static let route = WebhookRoute.voice

    /// Twilio's webhooks; and a notification's playback link (`GET /api/recordings/…`),
    /// which points here when the deployment names no public URL.
    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        if event.method == "GET", let recording = RecordingPlayback.linkRoute(event.rawPath, parameters: nil) {
            return playLink(recording, rawQuery: event.rawQueryString, logger: context.logger)
        }
        return receive(event, logger: context.logger)
    }

    private func playLink(_ recording: String, rawQuery: String, logger: Logger) -> HTTPResponse {
        do throws(PlaybackRefusal) {
            let query: FormParameters
            do { query = try FormParameters(decoding: Array(rawQuery.utf8)) } catch {
                throw PlaybackRefusal(
                    slug: "bad-request", title: "Bad request", status: 400, detail: "query string: \(error)")
            }
            let id = try playback.company(ofLink: recording, query: query)
            return try playback.play(id, recordingSid: recording, logger: logger)
        } catch {
            logger.notice("voice.playback_refused", metadata: ["status": "\(error.status)", "reason": "\(error.slug)"])
            return .text(error.status, error.detail)
        }
    }

    /// A new call, or one of Voice's own callbacks (the front half has decoded it).
    func answer(_ webhook: InboundWebhook, logger: Logger) -> HTTPResponse {
        if let callback = VoiceCallPlanner.callback(in: webhook.query) {
            return answerCallback(callback.leg, companyID: callback.companyID, webhook: webhook, logger: logger)
        }
        let outcome = services.gate.admitByNumber(webhook)
        guard case .admitted(let tenant) = outcome else {
            return Self.route.refusal(outcome, signedWith: webhook.signedWith, logger: logger)
        }
        return answerCall(webhook, tenant: tenant, logger: logger)
    }

    /// A new incoming call to one of `tenant`'s numbers.
    private func answerCall(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse {
        let callSid = webhook.parameters["CallSid"]
        let answer = planner.answer(
            tenant: tenant, callSid: callSid, voiceURL: webhook.endpointURL, caller: webhook.parameters["From"] ?? "")
        if let reason = answer.fallbackReason {
            logger.warning(
                "voice.routing_fallback",
                metadata: [
                    "company.id": "\(tenant.companyID)", "routing.mode": "\(answer.mode.rawValue)",
                    "reason": "\(reason)",
                ])
        }
        if let refusal = answer.blocked {
            logger.info(
                "voice.blocked",
                metadata: ["company.id": "\(tenant.companyID)", "reason": "\(refusal)"])
        }
        if let record = ArchiveRecord(call: webhook.parameters, tenant: tenant, decision: answer.decision) {
            services.recorder?.record(record, arrival: true, logger: logger)
        }
        // Written straight from its fields: this line is written for every call.
        logger.log(
            .info, "voice.answered",
            fields: [
                ("call.sid", callSid?.clipped(to: 40) ?? ""), ("company.id", tenant.companyID.rawValue),
                ("hours", answer.hours?.ruleName ?? ""), ("routing.mode", answer.decision),
                ("signed.with", webhook.signedWith),
                ("to", webhook.parameters["To"]?.clipped(to: 40) ?? ""),
            ])
        return .twiml(answer.twiml)
    }

    /// One of Voice's own callbacks, resolved by the company id it carries.
    private func answerCallback(
        _ leg: VoiceCallPlanner.CallbackLeg, companyID text: String, webhook: InboundWebhook, logger: Logger
    ) -> HTTPResponse {
        let companyID: CompanyID
        do {
            companyID = try CompanyID(text)
        } catch {
            logger.notice("voice.bad_request", metadata: ["error": "\(error)", "callback": "\(leg.rawValue)"])
            return .text(400, "companyId \(error)")
        }
        let outcome = services.gate.admitByCompany(webhook, id: companyID)
        guard case .admitted(let company) = outcome else {
            return Self.route.refusal(outcome, callback: leg.rawValue, signedWith: webhook.signedWith, logger: logger)
        }
        // A callback answers as the call does now: after-hours settings while closed.
        let tenant = VoiceCallPlanner.routed(company, at: Date())
        logger.log(
            .info, "voice.callback",
            fields: [
                ("call.sid", webhook.parameters["CallSid"]?.clipped(to: 40) ?? ""), ("callback", leg.rawValue),
                ("company.id", tenant.companyID.rawValue),
            ])
        switch leg {
        case .whisper:
            return .twiml(planner.whisper(tenant: tenant))
        case .screen:
            let member = Self.member(webhook.query["member"], of: tenant)
            if let record = ArchiveRecord(screenedLeg: webhook.parameters, member: member, tenant: tenant) {
                services.recorder?.record(record, logger: logger)
            }
            return .twiml(
                planner.screen(
                    tenant: tenant, member: webhook.query["member"], callSid: webhook.query["call"],
                    voiceURL: webhook.endpointURL))
        case .accept:
            let answer = planner.accepted(digits: webhook.parameters["Digits"])
            let member = Self.member(webhook.query["member"], of: tenant)
            if answer.accepted,
                let number = member ?? webhook.parameters["To"].flatMap({ try? PhoneNumber(parsing: $0) }),
                let record = ArchiveRecord(acceptedCall: webhook.query["call"], by: number, tenant: tenant)
            {
                services.recorder?.record(record, logger: logger)
            }
            logger.info(
                "voice.screened",
                metadata: [
                    "company.id": "\(tenant.companyID)", "accepted": "\(answer.accepted)",
                    "member": "\(webhook.query["member"]?.clipped(to: 4) ?? "")",
                ])
            return .twiml(answer.twiml)
        case .recorded:
            if let record = ArchiveRecord(recording: webhook.parameters, tenant: tenant) {
                services.recorder?.record(record, logger: logger)
            }
            return .twiml(planner.recordingFinished(tenant: tenant))
        case .recording:
            return recordArrived(
                ArchiveRecord(recordingStatus: webhook.parameters, tenant: tenant), leg, tenant: tenant, webhook, logger
            )
        case .transcript:
            return recordArrived(
                ArchiveRecord(transcription: webhook.parameters, tenant: tenant), leg, tenant: tenant, webhook, logger)
        case .dialed:
            let dialStatus = webhook.parameters["DialCallStatus"]
            let screening = screeningProgress(webhook, tenant: tenant)
            let outcome = planner.dialEnded(
                tenant: tenant, query: webhook.query, parameters: webhook.parameters, accepted: screening.accepted,
                pickedUp: screening.pickedUp, voiceURL: webhook.endpointURL)
            if outcome.continues {
                logger.info(
                    "voice.forward_next",
                    metadata: [
                        "company.id": "\(tenant.companyID)", "dial.status": "\(dialStatus?.clipped(to: 32) ?? "")",
                        "ringing": "\(outcome.nextMembers.count)",
                    ])
                return .twiml(outcome.twiml)
            }
            if var record = ArchiveRecord(dial: webhook.parameters, tenant: tenant, fallback: outcome.fallback) {
                if tenant.forwardScreening == true, outcome.fallback != nil { record.screening = "nobody-accepted" }
                services.recorder?.record(record, logger: logger)
            }
            if outcome.fallback == .hangup, let sid = webhook.parameters["CallSid"], ArchiveRecord.isValidSid(sid) {
                // The caller is told goodbye: a missed call, once a late recording had its time.
                let now = Date()
                services.announcements.write(
                    services.announcements.callEnded(settings: tenant.settings, now: now),
                    for: NotificationKey(companyID: tenant.companyID, callSid: sid), to: services.notificationLedger,
                    now: now, logger: logger)
            }
            if let fallback = outcome.fallback {
                logger.info(
                    "voice.forward_unanswered",
                    metadata: [
                        "company.id": "\(tenant.companyID)", "dial.status": "\(dialStatus?.clipped(to: 32) ?? "")",
                        "fallback": "\(fallback.rawValue)",
                    ])
            }
            return .twiml(outcome.twiml)
        }
    }

    /// The ring-group member a screening callback names (`member=N`), when it is one.
    private static func member(_ text: String?, of tenant: TenantSnapshot) -> PhoneNumber? {
        let group = VoiceCallPlanner.ringGroup(of: tenant)
        guard let index = text.flatMap({ Int($0) }), group.indices.contains(index) else { return nil }
        return group[index]
    }

    /// For a screened forward's dial that ended: whether someone pressed 1 (the call's
    /// record says) and which number picked up without (its leg's record says). Unknown
    /// (`nil`) without an archive, or when it cannot be read.
    private func screeningProgress(_ webhook: InboundWebhook, tenant: TenantSnapshot) -> (
        accepted: Bool?, pickedUp: Int?
    ) {
        guard tenant.forwardScreening == true, services.recorder != nil,
            let sid = webhook.parameters["CallSid"], ArchiveRecord.isValidSid(sid)
        else { return (nil, nil) }
        let call: ArchiveRecord?
        do { call = try services.archive.record(sid: sid, companyID: tenant.companyID) } catch { return (nil, nil) }
        if call?.acceptedBy != nil { return (true, nil) }
        var pickedUp: Int?
        if let legSid = webhook.parameters["DialCallSid"], ArchiveRecord.isValidSid(legSid),
            let leg = try? services.archive.record(sid: legSid, companyID: tenant.companyID),
            let to = leg.to.flatMap({ try? PhoneNumber(parsing: $0) })
        {
            pickedUp = VoiceCallPlanner.ringGroup(of: tenant).firstIndex(of: to)
        }
        return (false, pickedUp)
    }

    /// A recording's status or its transcript: joins the call's record, and schedules the
    /// company's announcement of it (or makes it now, once the transcript is in);
    /// answered with an empty 204 (Twilio reads no body). A callback without what it must
    /// carry is a 400.
    private func recordArrived(
        _ record: ArchiveRecord?, _ leg: VoiceCallPlanner.CallbackLeg, tenant: TenantSnapshot,
        _ webhook: InboundWebhook, _ logger: Logger
    ) -> HTTPResponse {
        guard let record else {
            let needs = leg == .recording ? "RecordingStatus" : "TranscriptionStatus"
            logger.notice(
                "voice.bad_request", metadata: ["error": "no valid CallSid or \(needs)", "callback": "\(leg.rawValue)"])
            return .text(400, "a \(leg.rawValue) callback carries CallSid and \(needs)")
        }
        services.recorder?.record(record, logger: logger)
        let now = Date()
        let step = services.announcements.recordingArrived(record, settings: tenant.settings, now: now)
        let call = NotificationKey(companyID: tenant.companyID, callSid: record.sid)
        if services.announcements.write(step, for: call, to: services.notificationLedger, now: now, logger: logger),
            step == .announceNow
        {
            announcer.announce(call, now: now, origin: PlaybackLinkSigner.origin(webhook.endpointURL), logger: logger)
        }
        return .noContent
    }
}
