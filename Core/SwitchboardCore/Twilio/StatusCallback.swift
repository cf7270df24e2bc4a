import Logging

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
    /// What to answer Twilio: a status and, unless it is 204, a short text.
    public struct Answer: Sendable, Equatable {
        public let status: Int
        public let text: String
    }

    /// True when `path` is a status callback's route: it ends in `/status`.
    public static func isStatusCallback(path: String) -> Bool {
        path.hasSuffix("/status")
    }

    /// Admits `webhook` as a status callback of a call or a message and records it.
    public static func answer(_ webhook: InboundWebhook, kind: ArchiveRecord.Kind, services: WebhookServices, logger: Logger) -> Answer {
        let prefix = kind == .call ? "voice" : "sms"
        guard let text = webhook.query["companyId"], !text.isEmpty else {
            logger.notice("\(prefix).bad_request", metadata: ["error": "a status callback without companyId"])
            return Answer(status: 400, text: "a status callback's URL names its company (companyId)")
        }
        let id: CompanyID
        do { id = try CompanyID(text) } catch {
            logger.notice("\(prefix).bad_request", metadata: ["error": "\(error)", "callback": "status"])
            return Answer(status: 400, text: "companyId \(error)")
        }
        let tenant: TenantSnapshot
        switch services.gate.admitByCompany(webhook, id: id) {
        case .admitted(let admitted):
            tenant = admitted
        case .rejected(let why, let company):
            logger.warning("\(prefix).rejected", metadata: [
                "company.id": "\(company)", "reason": "\(why)", "callback": "status", "signed.with": "\(webhook.signedWith)",
            ])
            return Answer(status: 403, text: why == .missingSignature ? "missing X-Twilio-Signature header" : "Twilio request validation failed")
        case .unknownCompany(let company):
            logger.warning("\(prefix).callback_company_missing", metadata: ["company.id": "\(company)", "callback": "status"])
            return Answer(status: 403, text: "Twilio request validation failed")
        case .misconfigured(let why, let company):
            logger.error("\(prefix).tenant_misconfigured", metadata: ["company.id": "\(company)", "reason": "\(why)", "callback": "status"])
            // Without a token nothing can prove the callback came from the company's
            // account; a token this deployment cannot open now is its own fault.
            if case .tokenUnavailable = why { return Answer(status: 503, text: "the company's credentials cannot be used now") }
            return Answer(status: 403, text: "Twilio request validation failed")
        case .unavailable(let error):
            logger.error("\(prefix).directory_unavailable", metadata: ["error": "\(error)", "callback": "status"])
            return Answer(status: 503, text: "the directory is unavailable; try again")
        case .missingTo, .notServed:
            return Answer(status: 400, text: "not a status callback")
        }
        let sidName = kind == .call ? "CallSid" : "MessageSid"
        guard let record = ArchiveRecord(statusCallback: webhook.parameters, kind: kind, tenant: tenant) else {
            logger.notice("\(prefix).bad_request", metadata: ["company.id": "\(tenant.companyID)", "error": "no valid \(sidName) or status", "callback": "status"])
            return Answer(status: 400, text: "a status callback carries \(sidName) and \(kind == .call ? "CallStatus" : "MessageStatus")")
        }
        _ = services.recorder?.record(record, logger: logger)
        logger.info("\(prefix).status", metadata: ["company.id": "\(tenant.companyID)", "sid": "\(record.sid)", "status": "\(record.status ?? "")"])
        return Answer(status: 204, text: "")
    }
}
