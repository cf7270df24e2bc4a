import Crypto
import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardJSON
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Messages and calls sent from a company's own numbers, as the Outbound function
/// answers `POST /api/companies/{companyId}/messages` and `…/calls`, and as
/// `switchboard sms send` and `switchboard call` send them: one path for both.
///
/// The story of one request, once the caller may act for the company:
/// 1. The body is read and checked (422 naming each field; nothing sent).
/// 2. The company must exist (404).
/// 3. With an `Idempotency-Key`, the key is claimed: a repeat of the same request within
///    24 hours gets the first one's answer and sends nothing; the same key with another
///    body is a 422; a key whose first request is still running is a 409.
/// 4. The company's rate limit (``OutboundRateLimit``) must allow one more send (429
///    with `Retry-After`; nothing sent).
/// 5. The company's own account sends it (see ``CompanyOutbound``); Twilio's refusals
///    become 422s naming the cause, Twilio out of reach a 503, no answer in time a 504.
/// 6. The archive's record is written before the answer (201), which carries the sid
///    and the record; the key keeps the answer.
///
/// Every request is logged (`outbound.sent` or `outbound.refused`) with who asked.
public final class OutboundService {
    public let outbound: CompanyOutbound
    private let ledger: any OutboundLedger
    private let rateLimit: OutboundRateLimit

    /// The longest `Idempotency-Key` taken.
    public static let maximumKeyLength = 255
    /// The largest body accepted.
    public static let maximumBodyBytes = 64 * 1024

    public init(outbound: CompanyOutbound, ledger: any OutboundLedger, rateLimit: OutboundRateLimit) {
        self.outbound = outbound
        self.ledger = ledger
        self.rateLimit = rateLimit
    }

    /// Everything the service needs, from `environment`, over `store`.
    ///
    /// Settings: `SWITCHBOARD_OUTBOUND_PER_MINUTE`, `REDIS_URL` (where the rate limit
    /// counts), the Twilio client's (`TWILIO_API_BASE`, …), `SWITCHBOARD_AGENT_STREAM_URL`,
    /// and this deployment's webhook URLs for the status callbacks
    /// (`SWITCHBOARD_PUBLIC_URL`, or `SWITCHBOARD_VOICE_URL` and `SWITCHBOARD_SMS_URL`).
    public convenience init(
        environment: Environment, store: any SwitchboardStore, logger: Logger
    ) throws {
        let directory = store.directory
        let archive = store.archive(try ArchiveSettings(environment))
        let recorder =
            try ArchiveRecorder.isEnabled(environment)
            ? ArchiveRecorder(
                archive: archive, timeoutMilliseconds: max(try ArchiveRecorder.timeout(environment), 2_000)) : nil
        let outbound = CompanyOutbound(
            directory: directory, sealer: try Settings.sealer(environment),
            client: try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment)),
            recorder: recorder,
            planner: VoiceCallPlanner(platformAgentStreamURL: try Settings.agentStreamURL(environment)),
            callbacks: try WebhookTargets.fromEnvironment(environment), recipients: store.recipientLedger())
        let ledger = store.outboundLedger()
        let redis = try CacheSettings.fromEnvironment(environment).map {
            RedisSendCounter(settings: $0, logger: logger)
        }
        self.init(
            outbound: outbound, ledger: ledger,
            rateLimit: OutboundRateLimit(
                perMinute: try OutboundRateLimit.perMinute(environment), redis: redis, ledger: ledger))
    }

    /// Whether Twilio will report back how each message and call went.
    public var reportsStatus: Bool { outbound.reportsStatus }

    /// Sends what `body` asks for from company `id`, on behalf of `actor` (a token's
    /// `sub`), answering as the API does.
    ///
    /// - Parameters:
    ///   - idempotencyKey: the request's `Idempotency-Key`, if it has one.
    public func send(
        _ kind: OutboundRequest.Kind, body: [String: JSONValue], companyID id: CompanyID, idempotencyKey: String?,
        actor: String, logger: Logger
    ) -> HTTPResponse {
        do {
            return try attempt(
                kind, body: body, companyID: id, idempotencyKey: idempotencyKey, actor: actor, logger: logger)
        } catch {
            logger.notice(
                "outbound.refused",
                metadata: [
                    "company.id": "\(id)", "kind": "\(kind.rawValue)", "by": "\(actor)", "status": "\(error.status)",
                    "problem": "\(error.type)",
                    "detail": "\(error.detail)",
                ])
            return error.response
        }
    }

    private func attempt(
        _ kind: OutboundRequest.Kind, body: [String: JSONValue], companyID id: CompanyID, idempotencyKey: String?,
        actor: String, logger: Logger
    ) throws(Problem) -> HTTPResponse {
        if let idempotencyKey { try Self.checkKey(idempotencyKey) }
        let request = try OutboundRequest(kind, body: body)
        let company: Company
        do { company = try outbound.company(id) } catch { throw Self.problem(error, request, logger: logger) }

        let now = Date()
        if let key = idempotencyKey {
            let claim: IdempotencyClaim
            do { claim = try ledger.claim(companyID: id, key: key, requestHash: Self.hash(kind, body), now: now) } catch
            {
                logger.error("outbound.ledger_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
                throw .storeUnavailable(
                    "the request could not be made idempotent: the store did not answer; nothing was sent")
            }
            switch claim {
            case .claimed:
                break
            case .replay(let answer):
                logger.info(
                    "outbound.replayed",
                    metadata: [
                        "company.id": "\(id)", "kind": "\(kind.rawValue)", "by": "\(actor)",
                        "status": "\(answer.status)",
                    ])
                let type = answer.status < 300 ? "application/json" : "application/problem+json"
                return HTTPResponse(
                    statusCode: answer.status,
                    headers: ["content-type": type, "cache-control": "no-store", "idempotent-replayed": "true"],
                    body: answer.body)
            case .conflict:
                throw Problem(
                    slug: "idempotency-key-reused", title: "Idempotency-Key used for another request", status: 422,
                    detail:
                        "this Idempotency-Key was used in the last 24 hours for a request with another body; nothing was sent. Use a new key for a new request"
                )
            case .unfinished(let since):
                throw Self.unfinished(since: since, now: now)
            }
        }
        let answer: HTTPResponse
        do {
            answer = try deliver(request, company: company, now: now, actor: actor, logger: logger)
        } catch {
            if let key = idempotencyKey {
                if Self.keepsAnswer(error) {
                    settle(id, key, error.response, logger: logger)
                } else {
                    release(id, key, logger: logger)
                }
            }
            throw error
        }
        if let key = idempotencyKey { settle(id, key, answer, logger: logger) }
        return answer
    }

    /// Steps 4–6: the rate limit, Twilio, the archive.
    private func deliver(_ request: OutboundRequest, company: Company, now: Date, actor: String, logger: Logger)
        throws(Problem) -> HTTPResponse
    {
        let decision: OutboundRateLimit.Decision
        do { decision = try rateLimit.admit(company.id, now: now, logger: logger) } catch {
            logger.error("outbound.ledger_unavailable", metadata: ["company.id": "\(company.id)", "error": "\(error)"])
            throw .storeUnavailable(
                "the send could not be counted against the company's limit: the store did not answer; nothing was sent")
        }
        if case .limited(let seconds) = decision {
            throw Problem(
                slug: "rate-limited", title: "Too many messages and calls", status: 429,
                detail:
                    "company \(company.id) may send at most \(rateLimit.perMinute) messages and calls a minute (SWITCHBOARD_OUTBOUND_PER_MINUTE); nothing was sent. Try again in \(seconds) s",
                headers: ["retry-after": String(seconds)])
        }
        let sent: CompanyOutbound.Sent
        do { sent = try outbound.send(request, for: company, now: now, logger: logger) } catch {
            throw Self.problem(error, request, logger: logger)
        }
        logger.info(
            "outbound.sent",
            metadata: [
                "company.id": "\(company.id)", "kind": "\(request.kind.rawValue)", "by": "\(actor)",
                "sid": "\(sent.sid)",
                "from": "\(sent.record.from ?? "")", "to": "\(request.to)", "archived": "\(sent.archived)",
            ])
        return .json(201, SentAnswer(sent, kind: request.kind))
    }

    /// What a send answers: Twilio's sid and status, and the archive's record.
    struct SentAnswer: Encodable {
        let sid: String
        let kind: String
        let status: String?
        let from: String?
        let to: String?
        let record: ArchiveRecordView

        init(_ sent: CompanyOutbound.Sent, kind: OutboundRequest.Kind) {
            sid = sent.sid
            self.kind = kind.rawValue
            status = sent.status
            from = sent.record.from
            to = sent.record.to
            record = ArchiveRecordView(sent.record)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(sid, forKey: .sid)
            try c.encode(kind, forKey: .kind)
            try c.encode(status, forKey: .status)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(record, forKey: .record)
        }

        enum CodingKeys: String, CodingKey { case sid, kind, status, from, to, record }
    }

    // MARK: Idempotency

    /// 1–255 printable ASCII characters.
    static func checkKey(_ key: String) throws(Problem) {
        guard !key.isEmpty, key.utf8.count <= maximumKeyLength, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .badRequest(
                "Idempotency-Key must be 1-\(maximumKeyLength) printable ASCII characters without spaces (a UUID is a good key)"
            )
        }
    }

    /// What identifies a request's content for its key: the kind and the body, its
    /// members in a fixed order.
    static func hash(_ kind: OutboundRequest.Kind, _ body: [String: JSONValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let canonical = (try? encoder.encode(JSONValue.object(body))) ?? Data()
        return SHA256.hash(data: Data(kind.rawValue.utf8) + Data([0x0A]) + canonical).lowercaseHex
    }

    /// Whether a refusal is the request's lasting answer, kept with its key: Twilio said
    /// no, or whether it was sent is unknown. Anything else sent nothing and may be tried
    /// again with the same key.
    static func keepsAnswer(_ problem: Problem) -> Bool {
        problem.type.hasSuffix(":send-refused") || problem.type.hasSuffix(":outcome-unknown")
    }

    private func settle(_ id: CompanyID, _ key: String, _ answer: HTTPResponse, logger: Logger) {
        do {
            try ledger.settle(
                companyID: id, key: key, answer: OutboundAnswer(status: answer.statusCode, body: answer.body))
        } catch {
            logger.error(
                "outbound.ledger_unavailable",
                metadata: [
                    "company.id": "\(id)", "error": "\(error)",
                    "effect": "a retry with this Idempotency-Key is answered 409 until the key expires",
                ])
        }
    }

    private func release(_ id: CompanyID, _ key: String, logger: Logger) {
        do { try ledger.release(companyID: id, key: key) } catch {
            logger.error(
                "outbound.ledger_unavailable",
                metadata: [
                    "company.id": "\(id)", "error": "\(error)",
                    "effect": "a retry with this Idempotency-Key is answered 409 until the key expires",
                ])
        }
    }

    static func unfinished(since: Date, now: Date) -> Problem {
        if now.timeIntervalSince(since) < Double(IdempotencyWindow.unfinishedAfterSeconds) {
            return Problem(
                slug: "idempotency-key-in-use", title: "Request in progress", status: 409,
                detail:
                    "the first request with this Idempotency-Key (at \(Timestamp.format(since))) is still being answered; try again shortly",
                headers: ["retry-after": "2"])
        }
        return Problem(
            slug: "idempotency-key-in-use", title: "Request did not finish", status: 409,
            detail:
                "the first request with this Idempotency-Key (at \(Timestamp.format(since))) stopped before it was answered, so whether it was sent is unknown; look for it in the company's archive, and send again with a new key if it is not there"
        )
    }

    // MARK: Problems

    /// The answer to a send that did not happen.
    static func problem(_ failure: CompanyOutbound.Failure, _ request: OutboundRequest, logger: Logger) -> Problem {
        switch failure {
        case .noSuchCompany(let id):
            return .companyNotFound(id.rawValue)
        case .noCredentials(let id):
            return Problem(
                slug: "company-cannot-send", title: "The company cannot send", status: 422,
                detail:
                    "company \(id) has no Twilio Account SID and auth token (or API key) to send with; nothing was sent"
            )
        case .noActiveNumber(let id):
            return Problem(
                slug: "company-cannot-send", title: "The company cannot send", status: 422,
                detail: "company \(id) has no active number to send from; nothing was sent")
        case .notOwnNumber(let number):
            return .invalidRequest([.init(field: "from", message: "\(number) is not one of the company's numbers")])
        case .inactiveNumber(let number):
            return .invalidRequest([
                .init(field: "from", message: "\(number) is one of the company's numbers, but it is inactive")
            ])
        case .notOwnWhatsAppSender(let number):
            return .invalidRequest([
                .init(field: "from", message: "\(number) is not one of the company's active WhatsApp senders")
            ])
        case .noWhatsAppSender(let id):
            return Problem(
                slug: "company-cannot-send", title: "The company cannot send", status: 422,
                detail:
                    "company \(id) has no active WhatsApp sender (a phoneNumbers entry with channel whatsapp); nothing was sent"
            )
        case .optedOut(let number, let since, let source):
            let when = since.map { " at \(Timestamp.format($0))" } ?? ""
            let fromTwilio = source == "twilio-21610"
            let how = source.map { fromTwilio ? " (Twilio error 21610: unsubscribed recipient)" : " (\($0))" } ?? ""
            // Twilio's refusal is the request's lasting answer (kept with its Idempotency-Key).
            return Problem(
                slug: fromTwilio ? "send-refused" : "recipient-opted-out", title: "recipient opted out", status: 422,
                detail:
                    "\(number) opted out of company messages\(when)\(how); nothing was sent. Only a START from \(number) opts them back in",
                errors: [.init(field: "to", message: "\(number) opted out of this company's messages")])
        case .outsideWhatsAppWindow(let number, let last):
            let since =
                last.map { "last wrote at \(Timestamp.format($0))" } ?? "has not written to the company on WhatsApp"
            return Problem(
                slug: "whatsapp-window-closed", title: "Outside WhatsApp's 24-hour window", status: 422,
                detail:
                    "\(number) \(since); WhatsApp takes free-form text only within 24 hours of the person's last message, so send a template (contentSid and contentVariables); nothing was sent",
                errors: [
                    .init(
                        field: "body",
                        message:
                            "free-form WhatsApp text is sent only within 24 hours of the recipient's last message; send a template with contentSid"
                    )
                ])
        case .recipients(let error):
            logger.error("outbound.recipients_unavailable", metadata: ["error": "\(error)"])
            return .storeUnavailable(
                "whether the recipient opted out could not be read: the store did not answer; nothing was sent")
        case .unplaceable(let why):
            let field = why == .noMessage ? "message" : "connect"
            return .invalidRequest([.init(field: field, message: why.description)])
        case .directory(let error):
            logger.error("outbound.directory_unavailable", metadata: ["error": "\(error)"])
            return .directoryUnavailable()
        case .twilio(let error):
            return twilioProblem(error, request)
        }
    }

    /// Twilio's answer in the caller's terms.
    static func twilioProblem(_ error: TwilioRESTError, _ request: OutboundRequest) -> Problem {
        switch error {
        case .rejected(let refusal):
            let cause =
                "\(refusal.message.prefix(200)) (Twilio error \(refusal.code.map(String.init) ?? "HTTP \(refusal.status)"))"
            var field: Problem.FieldError?
            var detail: String
            switch refusal.code {
            case 21211?, 21614?:
                field = .init(field: "to", message: "Twilio does not take \(request.to) as a number to reach")
                detail = "Twilio says \(request.to) is not a valid number to reach"
            case 21408?, 21215?, 21612?:
                detail =
                    "the company's Twilio account may not reach \(request.to): its geographic permissions do not include that region (Twilio console: Voice or Messaging geo permissions)"
            case 21210?, 21606?, 21212?, 21659?:
                field = .init(field: "from", message: "Twilio will not send from this number for the company's account")
                detail =
                    "Twilio does not accept the company's number as the sender (not verified, or not capable of this kind of message)"
            default:
                if error.isAuthenticationFailure {
                    detail =
                        "Twilio refused the company's credentials; update them (PUT /api/companies/{companyId}/twilio/config)"
                } else {
                    detail = "Twilio refused the \(request.kind.rawValue)"
                }
            }
            return Problem(
                slug: "send-refused", title: "Twilio refused to send", status: 422,
                detail: "\(detail): \(cause); nothing was sent",
                errors: field.map { [$0] })
        case .timedOut(let milliseconds):
            return Problem(
                slug: "outcome-unknown", title: "Twilio did not answer in time", status: 504,
                detail:
                    "Twilio did not answer within \(milliseconds) ms, so whether the \(request.kind.rawValue) was sent is unknown; look for it in the company's archive before sending again"
            )
        case .unreadableResponse:
            return Problem(
                slug: "outcome-unknown", title: "Twilio's answer could not be read", status: 502,
                detail:
                    "\(error), so whether the \(request.kind.rawValue) was sent is unknown; look for it in the company's archive before sending again"
            )
        case .unreachable, .rateLimited, .serverError:
            return Problem(
                slug: "twilio-unavailable", title: "Twilio could not be reached", status: 503,
                detail: "\(error); nothing was sent. Try again shortly", headers: ["retry-after": "5"])
        }
    }
}
