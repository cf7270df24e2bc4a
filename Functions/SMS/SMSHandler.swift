import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime
import WebhookFunction

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
/// 4. The message is recorded in the company's archive before the answer goes back. A
///    STOP-family or START-family message (or Twilio's `OptOutType`) opts its sender out
///    of, or back in to, every message the company sends (``RecipientLedger``).
///
/// A message to one of a company's WhatsApp senders (`To=whatsapp:+1…`) is found among
/// the WhatsApp senders only, answered the same way (the reply goes back on WhatsApp),
/// archived with `channel: whatsapp`, and opens WhatsApp's 24-hour window for the
/// company's free-form replies.
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
        let outcome = services.gate.admitByNumber(webhook, acceptingWhatsApp: true)
        guard case .admitted(let tenant) = outcome else {
            return Self.route.refusal(outcome, signedWith: webhook.signedWith, logger: logger)
        }
        return answerMessage(webhook, tenant: tenant, logger: logger)
    }

    /// A message to one of `tenant`'s numbers.
    private func answerMessage(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse {
        let message = InboundMessage(webhook.parameters)
        let now = Date()
        let answer = planner.answer(tenant: tenant, message: message, at: now)
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
            keyword: answer.keyword, at: now)
        {
            services.recorder?.record(record, arrival: true, logger: logger)
        }
        if answer.action != "blocked" {
            noteRecipient(
                message, parameters: webhook.parameters, keyword: answer.keyword, tenant: tenant, at: now,
                logger: logger)
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

    /// Keeps what the message says about its sender: a STOP or START (or Twilio's
    /// `OptOutType`) changes whether the company may message them, and a WhatsApp
    /// message opens WhatsApp's 24-hour window. Only these messages write; a failed write
    /// is logged with what it costs, and the message is still answered.
    private func noteRecipient(
        _ message: InboundMessage, parameters: FormParameters, keyword: SMSKeyword?, tenant: TenantSnapshot,
        at now: Date,
        logger: Logger
    ) {
        let optOutType = parameters["OptOutType"]
        let whatsApp = message.channel == .whatsapp
        guard keyword != nil || optOutType != nil || whatsApp,
            let sender = try? PhoneNumber(parsing: MessageChannel.split(message.from).number)
        else { return }
        do {
            if let change = OptChange.asked(
                companyID: tenant.companyID, from: sender, keyword: keyword, optOutType: optOutType, at: now,
                messageSid: message.sid)
            {
                let applied = try services.recipients.record(change)
                logger.notice(
                    change.optedOut ? "sms.opted_out" : "sms.opted_in",
                    metadata: [
                        "company.id": "\(tenant.companyID)", "from": "\(sender)", "source": "\(change.source)",
                        "applied": "\(applied)",
                    ])
            }
            if whatsApp {
                try services.recipients.recordWhatsAppInbound(companyID: tenant.companyID, number: sender, at: now)
            }
        } catch {
            logger.error(
                "sms.recipient_unrecorded",
                metadata: [
                    "company.id": "\(tenant.companyID)", "from": "\(sender)", "error": "\(error)",
                    "effect":
                        "an opt-out or opt-in, or a WhatsApp window, was not kept; Twilio still applies STOP to its own sends",
                ])
        }
    }
}
