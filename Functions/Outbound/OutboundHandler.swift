import Logging
import SwitchboardAdmin
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime

/// Answers `POST /api/companies/{companyId}/messages` and `POST
/// /api/companies/{companyId}/calls`: a message sent, or a call placed, from one of the
/// company's own active numbers through its own Twilio account.
///
///     POST /api/companies/{companyId}/messages  { "to", "body", "mediaUrls"?, "from"? }
///     POST /api/companies/{companyId}/calls     { "to", "from"?, "connect": "ai-agent" | "forward" | "say", "message"? }
///
/// The story of one request:
/// 1. Only `POST`; the bearer token says who asks (401). A platform admin may send for
///    any company; a company token for its own only (another id is the 404 a missing
///    company gets, as in the config API).
/// 2. The body must be JSON (415), at most 64 KiB (413), an object (400).
/// 3. ``OutboundService`` does the rest: the rules (422), the `Idempotency-Key`, the
///    company's rate limit (429), Twilio (422, 503, 504), the archive, the answer (201).
struct OutboundHandler: FunctionHandler {
    let services: AdminServices
    let service: OutboundService

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try AdminServices(
            environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        service = try OutboundService(environment: environment, store: services.store, logger: context.logger)
        context.logger.info(
            "function.ready",
            metadata: ["store": "\(services.store.location)", "data_key.id": "\(services.sealer.currentKeyID)"])
        if !service.reportsStatus {
            context.logger.warning(
                "outbound.no_status_callbacks",
                metadata: [
                    "effect": "how messages and calls end is not archived",
                    "fix": "set SWITCHBOARD_PUBLIC_URL, or SWITCHBOARD_VOICE_URL and SWITCHBOARD_SMS_URL",
                ])
        }
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let logger = context.logger
        let answer = services.answer(logger: logger) { () throws(Problem) -> HTTPResponse in
            guard event.method == "POST" else { throw .methodNotAllowed("POST") }
            let identity = try services.gate.identity(authorization: event.header("authorization"))
            guard let (text, kind) = Self.route(event) else {
                throw Problem(
                    slug: "not-found", title: "No such route", status: 404,
                    detail:
                        "Outbound answers POST /api/companies/{companyId}/messages and /api/companies/{companyId}/calls"
                )
            }
            let id = try services.gate.company(text, for: identity)
            let bytes: [UInt8]
            do { bytes = try event.bodyBytes() } catch { throw .badRequest("\(error)") }
            let body = try JSONRequestBody.object(
                contentType: event.header("content-type"), body: bytes, limit: OutboundService.maximumBodyBytes,
                expected: kind == .message ? "to, body, mediaUrls, from" : "to, from, connect, message")
            return service.send(
                kind, body: body, companyID: id, idempotencyKey: event.header("idempotency-key"),
                actor: identity.subject, logger: logger)
        }
        return answer
    }

    /// The company and what is sent, from `/api/companies/{companyId}/messages` or `…/calls`.
    static func route(_ event: HTTPEvent) -> (String, OutboundRequest.Kind)? {
        for kind in OutboundRequest.Kind.allCases {
            if let id = AdminGate.companyInPath(
                parameters: event.pathParameters, rawPath: event.rawPath, under: [kind.route])
            {
                return (id, kind)
            }
        }
        return nil
    }
}
