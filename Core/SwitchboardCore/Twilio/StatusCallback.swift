import Logging
import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Twilio's status callbacks — `POST /api/twilio/voice/status` (Voice) and
/// `POST /api/twilio/sms/status` (SMS) — which say how a call or message ended.
///
/// They come through the same gate as the webhooks: the company is the one `companyId`
/// names in the callback's URL (Switchboard writes that URL itself; it never guesses the
/// company from the callback's numbers), the signature must be made with that company's
/// auth token (or the one it replaced, inside the rotation's grace), and the posted
/// `AccountSid` must be its own. A forged, cross-tenant or unsigned callback is a 403 and
/// nothing is written. An admitted one joins its record in the archive (bounded as every
/// archive write is) and is answered at once with an empty 204: Twilio reads no body.
public enum StatusCallback {
    /// True when `path` is a status callback's route: it ends in `/status`.
    public static func isStatusCallback(path: String) -> Bool {
        path.hasSuffix("/status")
    }

    /// Admits `webhook` as a status callback on `route` and records it.
    public static func answer(_ webhook: InboundWebhook, route: WebhookRoute, services: WebhookServices, logger: Logger)
        -> HTTPResponse
    {
        guard let text = webhook.query["companyId"], !text.isEmpty else {
            logger.notice("\(route.name).bad_request", metadata: ["error": "a status callback without companyId"])
            return .text(400, "a status callback's URL names its company (companyId)")
        }
        let id: CompanyID
        do { id = try CompanyID(text) } catch {
            logger.notice("\(route.name).bad_request", metadata: ["error": "\(error)", "callback": "status"])
            return .text(400, "companyId \(error)")
        }
        let outcome = services.gate.admitByCompany(webhook, id: id)
        guard case .admitted(let tenant) = outcome else {
            return route.refusal(outcome, callback: "status", signedWith: webhook.signedWith, logger: logger)
        }
        let kind = route.kind
        let sidName = kind == .call ? "CallSid" : "MessageSid"
        guard let record = ArchiveRecord(statusCallback: webhook.parameters, kind: kind, tenant: tenant) else {
            logger.notice(
                "\(route.name).bad_request",
                metadata: [
                    "company.id": "\(tenant.companyID)", "error": "no valid \(sidName) or status", "callback": "status",
                ])
            return .text(
                400, "a status callback carries \(sidName) and \(kind == .call ? "CallStatus" : "MessageStatus")")
        }
        _ = services.recorder?.record(record, logger: logger)
        // The end of an incoming call may be a missed one: looked at once a late
        // recording had its time to come.
        if kind == .call, record.direction == "inbound", record.endedAt != nil {
            let now = Date()
            services.announcements.write(
                services.announcements.callEnded(settings: tenant.settings, now: now),
                for: NotificationKey(companyID: tenant.companyID, callSid: record.sid),
                to: services.notificationLedger, now: now, logger: logger)
        }
        logger.info(
            "\(route.name).status",
            metadata: ["company.id": "\(tenant.companyID)", "sid": "\(record.sid)", "status": "\(record.status ?? "")"])
        return .noContent
    }
}
