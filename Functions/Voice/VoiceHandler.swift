import Logging
import SwitchboardCore
import SwitchboardRuntime

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
/// 4. The company's routing mode picks the TwiML (see ``VoiceCallPlanner``).
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
struct VoiceHandler: FunctionHandler {
    let services: WebhookServices
    let planner: VoiceCallPlanner

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try WebhookServices(environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        planner = VoiceCallPlanner(platformAgentStreamURL: try Settings.agentStreamURL(environment))
        context.logger.info("function.ready", metadata: ["store": "\(services.store)", "data_key.id": "\(services.gate.vault.currentKeyID)"])
    }

    /// Each event is read for what a Twilio webhook needs; the rest is checked, not built.
    static let eventFields = EventFields.twilioWebhook

    func willExit() {
        services.willExit()
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let logger = context.logger
        guard event.method == "POST" else { return .methodNotAllowed(allow: "POST") }

        let webhook: InboundWebhook
        do {
            webhook = try services.gate.decode(
                host: event.host, path: event.rawPath, rawQuery: event.rawQueryString,
                contentType: event.header("content-type"), body: try event.bodyBytes(), signature: event.header("x-twilio-signature"),
                signatureSettings: event.header("x-twilio-webhooks-signature-settings"))
        } catch let error as WebhookRequestError {
            logger.notice("voice.bad_request", metadata: ["error": "\(error)"])
            return .text(error == .bodyTooLarge(limit: InboundWebhook.maximumBodyBytes) ? 413 : 400, "\(error)")
        } catch {
            logger.notice("voice.bad_request", metadata: ["error": "\(error)"])
            return .text(400, "\(error)")
        }

        if StatusCallback.isStatusCallback(path: event.rawPath) {
            let answer = StatusCallback.answer(webhook, kind: .call, services: services, logger: logger)
            return answer.status == 204 ? HTTPResponse(statusCode: 204) : .text(answer.status, answer.text)
        }
        if let callback = VoiceCallPlanner.callback(in: webhook.query) {
            return answerCallback(callback.leg, companyID: callback.companyID, webhook: webhook, logger: logger)
        }
        switch services.gate.admitByNumber(webhook) {
        case .admitted(let tenant):
            return answerCall(webhook, tenant: tenant, logger: logger)
        case let refusal:
            return refuse(refusal, signedWith: webhook.signedWith, logger: logger)
        }
    }

    /// A new incoming call to one of `tenant`'s numbers.
    private func answerCall(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse {
        let callSid = webhook.parameters["CallSid"]
        let answer = planner.answer(tenant: tenant, callSid: callSid, voiceURL: webhook.endpointURL)
        if let reason = answer.fallbackReason {
            logger.warning("voice.routing_fallback", metadata: [
                "company.id": "\(tenant.companyID)", "routing.mode": "\(answer.mode.rawValue)", "reason": "\(reason)",
            ])
        }
        if let record = ArchiveRecord(call: webhook.parameters, tenant: tenant, decision: answer.mode.rawValue) {
            services.recorder?.record(record, logger: logger)
        }
        // Written straight from its fields: this line is written for every call.
        logger.log(.info, "voice.answered", fields: [
            ("call.sid", callSid?.clipped(to: 40) ?? ""), ("company.id", tenant.companyID.rawValue),
            ("routing.mode", answer.mode.rawValue), ("signed.with", webhook.signedWith), ("to", webhook.parameters["To"]?.clipped(to: 40) ?? ""),
        ])
        return .xml(answer.twiml)
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
        guard case .admitted(let tenant) = outcome else { return refuse(outcome, callback: leg, signedWith: webhook.signedWith, logger: logger) }
        logger.log(.info, "voice.callback", fields: [
            ("call.sid", webhook.parameters["CallSid"]?.clipped(to: 40) ?? ""), ("callback", leg.rawValue),
            ("company.id", tenant.companyID.rawValue),
        ])
        switch leg {
        case .whisper:
            return .xml(planner.whisper(tenant: tenant))
        case .recorded:
            if let record = ArchiveRecord(recording: webhook.parameters, tenant: tenant) {
                services.recorder?.record(record, logger: logger)
            }
            return .xml(planner.recordingFinished(tenant: tenant))
        case .dialed:
            let dialStatus = webhook.parameters["DialCallStatus"]
            let outcome = planner.dialFinished(tenant: tenant, dialStatus: dialStatus, voiceURL: webhook.endpointURL)
            if let record = ArchiveRecord(dial: webhook.parameters, tenant: tenant, fallback: outcome.fallback) {
                services.recorder?.record(record, logger: logger)
            }
            if let fallback = outcome.fallback {
                logger.info("voice.forward_unanswered", metadata: [
                    "company.id": "\(tenant.companyID)", "dial.status": "\(dialStatus?.clipped(to: 32) ?? "")", "fallback": "\(fallback.rawValue)",
                ])
            }
            return .xml(outcome.twiml)
        }
    }

    /// The answer to a call the gate did not let through.
    private func refuse(
        _ outcome: WebhookGate.Outcome, callback: VoiceCallPlanner.CallbackLeg? = nil, signedWith: String, logger: Logger
    ) -> HTTPResponse {
        switch outcome {
        case .admitted:
            assertionFailure("an admitted call is answered, not refused")
            return .xml(VoiceCallPlanner.notConfigured)
        case .missingTo:
            logger.notice("voice.bad_request", metadata: ["error": "no To parameter"])
            return .text(400, "missing To parameter")
        case .notServed(let to, let reason):
            logger.warning("voice.number_not_configured", metadata: ["to": "\(to)", "reason": "\(reason)"])
            return .xml(VoiceCallPlanner.notConfigured)
        case .unknownCompany(let id):
            logger.warning("voice.callback_company_missing", metadata: ["company.id": "\(id)", "callback": "\(callback?.rawValue ?? "")"])
            return .xml(TwiML.response([]))
        case .rejected(let why, let id):
            logger.warning("voice.rejected", metadata: ["company.id": "\(id)", "reason": "\(why)", "signed.with": "\(signedWith)"])
            return .text(403, why == .missingSignature ? "missing X-Twilio-Signature header" : "Twilio request validation failed")
        case .misconfigured(let why, let id):
            if case .tokenUnavailable = why {
                logger.error("voice.tenant_token_unavailable", metadata: ["company.id": "\(id)", "reason": "\(why)"])
                return .xml(VoiceCallPlanner.temporarilyUnavailable)
            }
            logger.error("voice.tenant_misconfigured", metadata: ["company.id": "\(id)", "reason": "\(why)"])
            return .xml(VoiceCallPlanner.notConfigured)
        case .unavailable(let error):
            logger.error("voice.directory_unavailable", metadata: ["error": "\(error)"])
            return .xml(VoiceCallPlanner.temporarilyUnavailable)
        }
    }
}
