import Logging
import SwitchboardBase

/// One route Twilio posts its webhooks to — Voice's or SMS's — and how it answers what
/// its gate does not let through.
///
/// A refusal gets the same answer and the same log line on every route, apart from the
/// TwiML a caller hears: Voice speaks "not configured" or "try again later", SMS answers
/// an empty `<Response/>`, so Twilio neither reports an application error nor retries.
/// A status callback is answered in HTTP statuses instead (Twilio reads no TwiML there).
public struct WebhookRoute: Sendable {
    /// The first part of the route's log events: `voice.rejected`, `sms.number_not_configured`.
    public let name: String
    /// What the route's status callbacks are about.
    public let kind: ArchiveRecord.Kind
    /// The TwiML for a number no company answers, or a company that cannot check signatures.
    public let notConfigured: String
    /// The TwiML for a directory, or a company's credentials, that cannot be reached now.
    public let unavailable: String

    public init(name: String, kind: ArchiveRecord.Kind, notConfigured: String, unavailable: String) {
        self.name = name
        self.kind = kind
        self.notConfigured = notConfigured
        self.unavailable = unavailable
    }

    /// Twilio's incoming-call webhook and Voice's own callbacks.
    public static let voice = WebhookRoute(
        name: "voice", kind: .call, notConfigured: VoiceCallPlanner.notConfigured,
        unavailable: VoiceCallPlanner.temporarilyUnavailable)

    /// Twilio's incoming-message webhook.
    public static let sms = WebhookRoute(
        name: "sms", kind: .message, notConfigured: TwiML.response([]), unavailable: TwiML.response([]))

    /// The answer to a request that is not a decodable webhook (400, or 413 for a body over
    /// the limit), logged as the route's `bad_request`.
    public func badRequest(_ error: any Error, callback: String? = nil, logger: Logger) -> HTTPResponse {
        var metadata: Logger.Metadata = ["error": "\(error)"]
        if let callback { metadata["callback"] = "\(callback)" }
        logger.notice("\(name).bad_request", metadata: metadata)
        let status = (error as? WebhookRequestError)?.httpStatus ?? 400
        return .text(status, "\(error)")
    }

    /// The answer to, and the log line of, a webhook the gate did not admit.
    ///
    /// - Parameters:
    ///   - callback: which of the route's callbacks it was (`status`, `whisper`, …), or
    ///     `nil` for a new call or message. A status callback is answered in HTTP statuses.
    ///   - signedWith: what the webhook says signed it, for the log.
    public func refusal(_ outcome: WebhookGate.Outcome, callback: String? = nil, signedWith: String, logger: Logger)
        -> HTTPResponse
    {
        let statusCallback = callback == "status"
        var metadata: Logger.Metadata = [:]
        if let callback { metadata["callback"] = "\(callback)" }
        switch outcome {
        case .admitted:
            assertionFailure("an admitted webhook is answered, not refused")
            return .twiml(notConfigured)
        case .missingTo:
            metadata["error"] = "no To parameter"
            logger.notice("\(name).bad_request", metadata: metadata)
            return .text(400, statusCallback ? "not a status callback" : "missing To parameter")
        case .notServed(let to, let reason):
            metadata["to"] = "\(to)"
            metadata["reason"] = "\(reason)"
            logger.warning("\(name).number_not_configured", metadata: metadata)
            return statusCallback ? .text(400, "not a status callback") : .twiml(notConfigured)
        case .unknownCompany(let id):
            metadata["company.id"] = "\(id)"
            logger.warning(
                "\(name).\(callback == nil ? "company_missing" : "callback_company_missing")", metadata: metadata)
            return statusCallback ? Self.validationFailed : .twiml(TwiML.response([]))
        case .rejected(let why, let id):
            metadata["company.id"] = "\(id)"
            metadata["reason"] = "\(why)"
            metadata["signed.with"] = "\(signedWith)"
            logger.warning("\(name).rejected", metadata: metadata)
            return why == .missingSignature ? .text(403, "missing X-Twilio-Signature header") : Self.validationFailed
        case .misconfigured(let why, let id):
            metadata["company.id"] = "\(id)"
            metadata["reason"] = "\(why)"
            if case .tokenUnavailable = why {
                // A token this deployment cannot open now is its own fault, not the caller's.
                logger.error("\(name).tenant_token_unavailable", metadata: metadata)
                return statusCallback ? .text(503, "the company's credentials cannot be used now") : .twiml(unavailable)
            }
            // Without credentials nothing can prove the company's account sent it.
            logger.error("\(name).tenant_misconfigured", metadata: metadata)
            return statusCallback ? Self.validationFailed : .twiml(notConfigured)
        case .unavailable(let error):
            metadata["error"] = "\(error)"
            logger.error("\(name).directory_unavailable", metadata: metadata)
            return statusCallback ? .text(503, "the directory is unavailable; try again") : .twiml(unavailable)
        }
    }

    /// A 403 that says no more than that the request was not proven to be Twilio's.
    static let validationFailed = HTTPResponse.text(403, "Twilio request validation failed")
}
