import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime
import WebhookFunction

/// Answers Twilio's incoming-message webhook.
///
/// The story of one message:
/// 1. Only `POST` is answered; the form body is decoded (base64 when AWS flags it).
/// 2. The gate Voice uses finds the company by `To` and proves its Twilio account sent
///    the message (its token, or the one it replaced during a rotation, and its
///    `AccountSid`). Otherwise: 403 and no TwiML.
/// 3. A sender the company blocks gets nothing; outside its business hours its
///    after-hours `smsMode` and `smsAutoReply` stand in for its own. Then the company's
///    `smsMode` picks the answer (see ``SMSMessagePlanner``): an
///    auto-reply, a forward to the company's SMS forward number, or nothing. STOP, START, HELP and the
///    other keywords Twilio handles itself get nothing, whatever the mode.
/// 4. The message is recorded in the company's archive before the answer goes back.
///
/// Twilio's status callbacks (`POST /api/twilio/sms/status?companyId=…`) say how a
/// message ended (sent, delivered, undelivered, failed, read); they go through the same
/// gate and join the message's record (see ``StatusCallback``).
///
/// A number no company answers, or one that is inactive, gets an empty `<Response/>` and
/// a warning log: Twilio must not report an application error or retry.
struct SMSHandler: TwilioWebhookFunction {
    let services: WebhookServices
    let planner = SMSMessagePlanner()

    init(context: FunctionInitContext) throws {
        services = try WebhookServices(
            environment: Environment(context.environment), logger: context.logger,
            appName: "switchboard-\(context.functionName)")
        context.logger.info(
            "function.ready",
            metadata: ["store": "\(services.store)", "data_key.id": "\(services.gate.vault.currentKeyID)"])
    }

    static let route = WebhookRoute.sms

    /// A new message (the front half has decoded it).
    func answer(_ webhook: InboundWebhook, logger: Logger) -> HTTPResponse {
        let outcome = services.gate.admitByNumber(webhook)
        guard case .admitted(let tenant) = outcome else {
            return Self.route.refusal(outcome, signedWith: webhook.signedWith, logger: logger)
        }
        return answerMessage(webhook, tenant: tenant, logger: logger)
    }

    /// A message to one of `tenant`'s numbers.
    private func answerMessage(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse {
        let message = InboundMessage(webhook.parameters)
        let answer = planner.answer(tenant: tenant, message: message)
        if let reason = answer.fallbackReason {
            logger.warning(
                "sms.mode_fallback",
                metadata: [
                    "company.id": "\(tenant.companyID)", "sms.mode": "\(tenant.smsMode ?? SMSMode.none)",
                    "reason": "\(reason)",
                ])
        }
        if let record = ArchiveRecord(
            message: message, parameters: webhook.parameters, tenant: tenant, decision: answer.action,
            keyword: answer.keyword)
        {
            services.recorder?.record(record, arrival: true, logger: logger)
        }
        // Written straight from its fields: this line is written for every message.
        logger.log(
            .info, "sms.handled",
            fields: [
                ("company.id", tenant.companyID.rawValue), ("keyword", answer.keyword?.word ?? ""),
                ("media", String(message.mediaURLs.count)),
                ("message.sid", message.sid?.clipped(to: 40) ?? ""), ("signed.with", webhook.signedWith),
                ("sms.action", answer.action),
                ("to", message.to.clipped(to: 40)),
            ])
        return .twiml(answer.twiml)
    }
}
