import Logging
import SwitchboardCore
import SwitchboardRuntime

/// Answers Twilio's incoming-message webhook.
///
/// The story of one message:
/// 1. Only `POST` is answered; the form body is decoded (base64 when AWS flags it).
/// 2. The gate Voice uses finds the company by `To` and proves its Twilio account sent
///    the message (its token, or the one it replaced during a rotation, and its
///    `AccountSid`). Otherwise: 403 and no TwiML.
/// 3. The company's `smsMode` picks the answer (see ``SMSMessagePlanner``): an
///    auto-reply, a forward to `smsForwardNumber`, or nothing. STOP, START, HELP and the
///    other keywords Twilio handles itself get nothing, whatever the mode.
/// 4. The message is recorded in the company's archive before the answer goes back.
///
/// Twilio's status callbacks (`POST /api/twilio/sms/status?companyId=…`) say how a
/// message ended (sent, delivered, undelivered, failed, read); they go through the same
/// gate and join the message's record (see ``StatusCallback``).
///
/// A number no company answers, or one that is inactive, gets an empty `<Response/>` and
/// a warning log: Twilio must not report an application error or retry.
struct SMSHandler: FunctionHandler {
    let services: WebhookServices
    let planner = SMSMessagePlanner()

    init(context: FunctionInitContext) throws {
        services = try WebhookServices(
            environment: Environment(context.environment), logger: context.logger, appName: "switchboard-\(context.functionName)")
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
            logger.notice("sms.bad_request", metadata: ["error": "\(error)"])
            return .text(error == .bodyTooLarge(limit: InboundWebhook.maximumBodyBytes) ? 413 : 400, "\(error)")
        } catch {
            logger.notice("sms.bad_request", metadata: ["error": "\(error)"])
            return .text(400, "\(error)")
        }

        if StatusCallback.isStatusCallback(path: event.rawPath) {
            let answer = StatusCallback.answer(webhook, kind: .message, services: services, logger: logger)
            return answer.status == 204 ? HTTPResponse(statusCode: 204) : .text(answer.status, answer.text)
        }
        switch services.gate.admitByNumber(webhook) {
        case .admitted(let tenant):
            return answer(webhook, tenant: tenant, logger: logger)
        case .missingTo:
            logger.notice("sms.bad_request", metadata: ["error": "no To parameter"])
            return .text(400, "missing To parameter")
        case .notServed(let to, let reason):
            logger.warning("sms.number_not_configured", metadata: ["to": "\(to)", "reason": "\(reason)"])
        case .unknownCompany(let id):
            logger.warning("sms.company_missing", metadata: ["company.id": "\(id)"])
        case .rejected(let why, let id):
            logger.warning("sms.rejected", metadata: ["company.id": "\(id)", "reason": "\(why)", "signed.with": "\(webhook.signedWith)"])
            return .text(403, why == .missingSignature ? "missing X-Twilio-Signature header" : "Twilio request validation failed")
        case .misconfigured(let why, let id):
            logger.error("sms.tenant_misconfigured", metadata: ["company.id": "\(id)", "reason": "\(why)"])
        case .unavailable(let error):
            logger.error("sms.directory_unavailable", metadata: ["error": "\(error)"])
        }
        return .xml(TwiML.response([]))
    }

    /// A message to one of `tenant`'s numbers.
    private func answer(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse {
        let message = InboundMessage(webhook.parameters)
        let answer = planner.answer(tenant: tenant, message: message)
        if let reason = answer.fallbackReason {
            logger.warning("sms.mode_fallback", metadata: ["company.id": "\(tenant.companyID)", "sms.mode": "\(tenant.smsMode ?? "none")", "reason": "\(reason)"])
        }
        if let record = ArchiveRecord(message: message, parameters: webhook.parameters, tenant: tenant, decision: answer.action, keyword: answer.keyword) {
            services.recorder?.record(record, logger: logger)
        }
        // Written straight from its fields: this line is written for every message.
        logger.log(.info, "sms.handled", fields: [
            ("company.id", tenant.companyID.rawValue), ("keyword", answer.keyword?.word ?? ""), ("media", String(message.mediaURLs.count)),
            ("message.sid", message.sid?.clipped(to: 40) ?? ""), ("signed.with", webhook.signedWith), ("sms.action", answer.action),
            ("to", message.to.clipped(to: 40)),
        ])
        return .xml(answer.twiml)
    }
}
