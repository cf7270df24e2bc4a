import Logging
import SwitchboardAdmin
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime
import TwilioREST

/// Answers `PUT /api/companies/{companyId}/twilio/config`: changes a company's Twilio
/// settings, all of them or none; and `PATCH`, a JSON Merge Patch (RFC 7396) of what `GET`
/// shows: the fields it names change, the rest stay, then everything as for `PUT`.
///
/// The story of one change:
/// 1. Only `PUT` and `PATCH`; the bearer token says who asks (401), and a company token naming
///    another company gets the 404 a missing company gets.
/// 2. `?verify=false` (platform admins only), `?dryRun=true`, `?configureWebhooks=true`.
/// 3. The body must be JSON (415), at most 64 KiB (413), an object (400).
/// 4. The company must exist (404); with `If-Match`, it must still be the version the
///    caller read (412).
/// 5. Every rule is checked at once (422, each problem naming its field).
/// 6. No number may belong to another company (409 naming the number).
/// 7. Twilio confirms the credentials and numbers (422 when it refuses, 503 when it
///    cannot be asked) — unless `verify=false`.
/// 8. A dry run stops here and shows what would be stored.
/// 9. The write is atomic and conditional on the version read in step 4 (412 when
///    someone else got there first); the cache forgets the company and every number
///    it had or has. A replaced auth token is kept for its grace period.
/// 10. With `configureWebhooks`, each active number is pointed at this deployment, and
///     when the company asks for shared-key signing (`webhookSigning`), Twilio is set up
///     to sign its webhooks with a SharedKey (or, asked for the auth token again, the
///     SharedKey is removed); see ``WebhookSigningSetup``.
struct ConfigPutHandler: FunctionHandler {
    let services: AdminServices
    let twilio: TwilioRESTClient
    let webhookTargets: WebhookTargets?

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try AdminServices(
            environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        twilio = try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment))
        webhookTargets = try WebhookTargets.fromEnvironment(environment)
        context.logger.info(
            "function.ready",
            metadata: [
                "store": "\(services.store.location)", "data_key.id": "\(services.sealer.currentKeyID)",
                "twilio.api": "\(twilio.settings.baseURL)",
            ])
    }

    /// What a successful `PUT` answers: what `GET` would now return, and what Twilio said.
    struct Answer: Encodable {
        let companyId: String
        let companyName: String
        let twilioConfig: TwilioConfigView
        let dryRun: Bool
        let verification: TwilioVerification.Report?
        let webhooks: [WebhookSetup.NumberReport]?
        let signing: SigningAnswer?

        init(
            _ view: CompanyConfigView, dryRun: Bool, verification: TwilioVerification.Report?,
            webhooks: [WebhookSetup.NumberReport]?,
            signing: SigningAnswer? = nil
        ) {
            companyId = view.companyId
            companyName = view.companyName
            twilioConfig = view.twilioConfig
            self.dryRun = dryRun
            self.verification = verification
            self.webhooks = webhooks
            self.signing = signing
        }
    }

    /// What `configureWebhooks` did about how Twilio signs the company's webhooks.
    struct SigningAnswer: Encodable {
        /// `enabled`, `disabled`, or `failed` (the settings were saved all the same).
        let result: String
        let report: WebhookSigningSetup.Report?
        let error: String?
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let answer = services.answer(logger: context.logger) { () throws(Problem) in
            try change(event, logger: context.logger)
        }
        return answer
    }

    private func change(_ event: HTTPEvent, logger: Logger) throws(Problem) -> HTTPResponse {
        let patching = event.method == "PATCH"
        guard event.method == "PUT" || patching else { throw .methodNotAllowed("PUT, PATCH") }
        let identity = try services.gate.identity(authorization: event.header("authorization"))
        let id = try services.gate.company(
            AdminGate.companyInPath(parameters: event.pathParameters, rawPath: event.rawPath), for: identity)

        let query: FormParameters
        do { query = try FormParameters(decoding: Array(event.rawQueryString.utf8)) } catch {
            throw .badRequest("query string: \(error)")
        }
        let verify = try AdminGate.flag(query, "verify", default: true)
        let dryRun = try AdminGate.flag(query, "dryRun")
        let configureWebhooks = try AdminGate.flag(query, "configureWebhooks")
        if !verify { try services.gate.requireAdmin(identity, for: "saving without Twilio's check (verify=false)") }
        if configureWebhooks && webhookTargets == nil {
            throw Problem(
                slug: "webhook-urls-unknown", title: "Webhook URLs unknown", status: 422,
                detail:
                    "this deployment does not know its webhook URLs: set SWITCHBOARD_PUBLIC_URL, or SWITCHBOARD_VOICE_URL and SWITCHBOARD_SMS_URL"
            )
        }

        let body: [UInt8]
        do { body = try event.bodyBytes() } catch { throw .badRequest("\(error)") }
        let object =
            patching
            ? try ConfigChange.mergePatch(contentType: event.header("content-type"), body: body)
            : try ConfigChange.jsonObject(contentType: event.header("content-type"), body: body)

        let current = try read(id, logger: logger)
        if let condition = event.header("if-match"), !CompanyVersion.ifMatch(condition, allows: current) {
            throw .changedMeanwhile(id.rawValue)
        }
        let whole = patching ? ConfigChange.merging(object, into: services.view(current)) : object
        let change = try ConfigChange(body: whole, applyingTo: current, sealer: services.sealer)
        try checkOwnership(change, identity: identity, logger: logger)

        let verification =
            verify
            ? try TwilioVerification(client: twilio, sealer: services.sealer).verify(change, everything: dryRun) : nil
        if dryRun {
            logger.info("config.dry_run", metadata: ["company.id": "\(id)", "by": "\(identity.subject)"])
            return .json(
                200, Answer(services.view(change.company), dryRun: true, verification: verification, webhooks: nil))
        }

        var saved = try save(change, identity: identity, logger: logger)
        var webhooks: [WebhookSetup.NumberReport]?
        if configureWebhooks, let targets = webhookTargets, let credentials = credentials(of: saved.company) {
            webhooks = WebhookSetup(client: twilio, targets: targets).configure(saved.company, credentials: credentials)
            for report in webhooks ?? [] {
                logger.info(
                    "config.webhook",
                    metadata: [
                        "company.id": "\(id)", "number": "\(report.phoneNumber)", "result": "\(report.result)",
                        "changed": "\(report.changed.joined(separator: ","))",
                    ])
            }
        }
        var signing: SigningAnswer?
        if configureWebhooks {
            (saved, signing) = reconcileSigning(saved, identity: identity, logger: logger)
        }
        return .json(
            200,
            Answer(
                services.view(saved.company), dryRun: false, verification: verification, webhooks: webhooks,
                signing: signing),
            headers: ["etag": CompanyVersion.etag(of: saved.company)])
    }

    /// Sets shared-key signing up when the company asks for it and holds no key, or
    /// removes it when it asks for the auth token again; otherwise nothing.
    private func reconcileSigning(
        _ saved: CompanySettingsWriter.Saved, identity: AdminIdentity, logger: Logger
    ) -> (CompanySettingsWriter.Saved, SigningAnswer?) {
        let wantsSharedKey = saved.company.twilio.webhookSigning == .sharedKey
        guard wantsSharedKey != (saved.company.twilio.webhookSharedKey != nil) else { return (saved, nil) }
        let setup = WebhookSigningSetup(
            client: twilio, targets: webhookTargets, sealer: services.sealer, gracePeriod: services.tokenGracePeriod)
        do {
            let (changed, report) = wantsSharedKey ? try setup.enable(saved.company) : try setup.disable(saved.company)
            let stored = try services.writer.save(changed, updatedBy: identity.subject, replacing: saved.company)
            logger.info(
                "config.signing",
                metadata: [
                    "company.id": "\(stored.company.id)", "result": "\(report.action)",
                    "shared_key": "\(report.sharedKey ?? "")", "by": "\(identity.subject)",
                ])
            return (stored, SigningAnswer(result: report.action, report: report, error: nil))
        } catch {
            logger.error("config.signing_failed", metadata: ["company.id": "\(saved.company.id)", "error": "\(error)"])
            return (saved, SigningAnswer(result: "failed", report: nil, error: "\(error)"))
        }
    }

    /// The company as stored now.
    private func read(_ id: CompanyID, logger: Logger) throws(Problem) -> Company {
        let found: Company?
        do { found = try services.directory.company(id: id) } catch {
            logger.error("config.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard let found else { throw .companyNotFound(id.rawValue) }
        return found
    }

    /// 409 when another company holds one of the numbers (naming it, and for a platform
    /// admin the company holding it).
    private func checkOwnership(_ change: ConfigChange, identity: AdminIdentity, logger: Logger) throws(Problem) {
        for claim in change.company.numberClaims {
            let holder: CompanyID?
            do { holder = try services.directory.companyID(holding: claim.number) } catch {
                logger.error("config.directory_unavailable", metadata: ["error": "\(error)"])
                throw .directoryUnavailable()
            }
            if let holder, holder != change.company.id {
                throw .numberTaken(
                    claim.number.e164, field: change.field(of: claim.number),
                    holder: identity.isPlatformAdmin ? holder.rawValue : nil)
            }
        }
    }

    /// The write, conditional on the version the change was checked against.
    private func save(_ change: ConfigChange, identity: AdminIdentity, logger: Logger) throws(Problem)
        -> CompanySettingsWriter.Saved
    {
        let saved: CompanySettingsWriter.Saved
        do {
            saved = try services.writer.save(change.company, updatedBy: identity.subject, replacing: change.current)
        } catch {
            switch error {
            case .changedMeanwhile(let id): throw .changedMeanwhile(id.rawValue)
            case .numberTaken(let number): throw .numberTaken(number.e164, field: change.field(of: number), holder: nil)
            case .invalidCompany(let why): throw .invalid([.init(field: "twilioConfig", message: why)])
            case .unavailable, .unreadableDocument:
                logger.error(
                    "config.directory_unavailable",
                    metadata: ["company.id": "\(change.company.id)", "error": "\(error)"])
                throw .directoryUnavailable()
            }
        }
        logger.info(
            "config.saved",
            metadata: [
                "company.id": "\(saved.company.id)", "by": "\(identity.subject)",
                "token_rotated": "\(saved.tokenRotated)",
                "numbers": "\(saved.company.numberClaims.filter(\.isActive).count) active",
                "cache_invalidated": "\(saved.cacheInvalidated)",
                "health_check_due": "\(saved.healthCheckDue)",
            ])
        if !saved.cacheInvalidated {
            logger.warning("config.cache_not_invalidated", metadata: ["company.id": "\(saved.company.id)"])
        }
        return saved
    }

    /// The company's own SID and token, opened for the webhook set-up.
    private func credentials(of company: Company) -> TwilioCredentials? {
        guard let sid = company.twilio.accountSid, let sealed = company.twilio.authToken,
            let token = try? services.sealer.open(sealed, companyID: company.id.rawValue, field: .authToken)
        else { return nil }
        return TwilioCredentials(accountSid: sid, authToken: token)
    }
}
