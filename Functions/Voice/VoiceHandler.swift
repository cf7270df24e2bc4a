import Logging
import SwitchboardCore
import SwitchboardRuntime

/// Answers Twilio's incoming-call webhook.
///
/// The story of one call:
/// 1. Only `POST` is answered; the form body is decoded (base64 when AWS flags it).
/// 2. The tenant is found: by the dialled number (`To`, normalised to E.164) for a new
///    call, or by the `companyId` in the query for Voice's own callbacks (the whisper
///    played to whoever answers a forwarded call, the end of a voicemail).
/// 3. The request must be signed by **that company's** Twilio account: its auth token
///    checks `X-Twilio-Signature`, and the posted `AccountSid` must be its own.
///    Otherwise: 403 and no TwiML.
/// 4. The company's routing mode picks the TwiML (see ``VoiceCallPlanner``).
///
/// A number no company answers gets a short spoken "not configured" and a warning log
/// naming the number; a directory that cannot be reached gets "try again later". Twilio
/// never hears a 500 from an expected failure.
struct VoiceHandler: FunctionHandler {
    let resolver: any TenantResolver
    let vault: AuthTokenVault
    let publicURL: PublicBaseURL?
    let planner: VoiceCallPlanner

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        vault = AuthTokenVault(sealer: try Settings.sealer(environment))
        publicURL = try Settings.publicURL(environment)
        planner = VoiceCallPlanner(platformAgentStreamURL: try Settings.agentStreamURL(environment))
        resolver = try DirectoryFactory.resolver(environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        let store = try Settings.store(environment)
        context.logger.info("function.ready", metadata: ["store": "\(store)", "data_key.id": "\(vault.currentKeyID)"])
    }

    func willExit() {
        resolver.logStatistics()
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let logger = context.logger
        guard event.method == "POST" else { return .methodNotAllowed(allow: "POST") }

        let webhook: InboundWebhook
        do {
            webhook = try InboundWebhook(
                host: event.host, path: event.rawPath, rawQuery: event.rawQueryString,
                contentType: event.header("content-type"), body: try event.bodyBytes(),
                signature: event.header("x-twilio-signature"), publicBase: publicURL)
        } catch let error as WebhookRequestError {
            logger.notice("voice.bad_request", metadata: ["error": "\(error)"])
            if case .bodyTooLarge = error { return .text(413, "\(error)") }
            return .text(400, "\(error)")
        } catch {
            logger.notice("voice.bad_request", metadata: ["error": "\(error)"])
            return .text(400, "\(error)")
        }

        if let callback = VoiceCallPlanner.callback(in: webhook.query) {
            return answerCallback(callback.leg, companyID: callback.companyID, webhook: webhook, logger: logger)
        }
        return answerCall(webhook, logger: logger)
    }

    /// A new incoming call, resolved by the dialled number.
    private func answerCall(_ webhook: InboundWebhook, logger: Logger) -> HTTPResponse {
        guard let dialled = webhook.parameters["To"], !dialled.isEmpty else {
            logger.notice("voice.bad_request", metadata: ["error": "no To parameter"])
            return .text(400, "missing To parameter")
        }
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: dialled)
        } catch {
            logger.warning("voice.number_not_configured", metadata: [
                "to": "\(dialled.prefix(40))", "reason": "not an E.164 number: \(error)",
            ])
            return .xml(VoiceCallPlanner.notConfigured)
        }
        let found: TenantSnapshot?
        do {
            found = try resolver.tenant(servingNumber: number)
        } catch {
            logger.error("voice.directory_unavailable", metadata: ["to": "\(number)", "error": "\(error)"])
            return .xml(VoiceCallPlanner.temporarilyUnavailable)
        }
        guard let tenant = found else {
            logger.warning("voice.number_not_configured", metadata: ["to": "\(number)", "reason": "no company answers this number"])
            return .xml(VoiceCallPlanner.notConfigured)
        }
        if let refusal = authenticate(webhook, tenant: tenant, logger: logger) { return refusal }

        let callSid = webhook.parameters["CallSid"]
        let answer = planner.answer(tenant: tenant, callSid: callSid, voiceURL: webhook.endpointURL)
        if let reason = answer.fallbackReason {
            logger.warning("voice.routing_fallback", metadata: [
                "company.id": "\(tenant.companyID)", "routing.mode": "\(answer.mode.rawValue)", "reason": "\(reason)",
            ])
        }
        logger.info("voice.answered", metadata: [
            "company.id": "\(tenant.companyID)", "routing.mode": "\(answer.mode.rawValue)",
            "call.sid": "\(callSid?.prefix(40) ?? "")", "to": "\(number)",
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
        let found: TenantSnapshot?
        do {
            found = try resolver.tenant(id: companyID)
        } catch {
            logger.error("voice.directory_unavailable", metadata: ["company.id": "\(companyID)", "error": "\(error)"])
            return .xml(VoiceCallPlanner.temporarilyUnavailable)
        }
        guard let tenant = found else {
            logger.warning("voice.callback_company_missing", metadata: ["company.id": "\(companyID)", "callback": "\(leg.rawValue)"])
            return .xml(TwiML.response([]))
        }
        if let refusal = authenticate(webhook, tenant: tenant, logger: logger) { return refusal }
        logger.info("voice.callback", metadata: [
            "company.id": "\(tenant.companyID)", "callback": "\(leg.rawValue)",
            "call.sid": "\(webhook.parameters["CallSid"]?.prefix(40) ?? "")",
        ])
        switch leg {
        case .whisper: return .xml(planner.whisper(tenant: tenant))
        case .recorded: return .xml(planner.recordingFinished(tenant: tenant))
        }
    }

    /// `nil` when `tenant`'s Twilio account signed the webhook; otherwise the answer.
    private func authenticate(_ webhook: InboundWebhook, tenant: TenantSnapshot, logger: Logger) -> HTTPResponse? {
        do {
            try webhook.authenticate(for: tenant, vault: vault)
            return nil
        } catch {
            switch error {
            case .missingSignature, .signatureMismatch, .accountMismatch:
                logger.warning("voice.rejected", metadata: ["company.id": "\(tenant.companyID)", "reason": "\(error)"])
                return .text(403, error == .missingSignature ? "missing X-Twilio-Signature header" : "Twilio request validation failed")
            case .tenantHasNoCredentials:
                logger.error("voice.tenant_misconfigured", metadata: ["company.id": "\(tenant.companyID)", "reason": "\(error)"])
                return .xml(VoiceCallPlanner.notConfigured)
            case .tokenUnavailable:
                logger.error("voice.tenant_token_unavailable", metadata: ["company.id": "\(tenant.companyID)", "reason": "\(error)"])
                return .xml(VoiceCallPlanner.temporarilyUnavailable)
            }
        }
    }
}
