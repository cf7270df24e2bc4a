import Logging
import SwitchboardAdmin
import SwitchboardBase
import SwitchboardCore
import SwitchboardJSON
import SwitchboardNotify
import SwitchboardRuntime
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers the health API, and the schedule that sweeps every company's account.
///
/// - `GET /api/admin/notifications/dependency-health` (platform admins): the directory,
///   Redis and Twilio, checked at once within `SWITCHBOARD_HEALTH_DEADLINE_MS`; 200 when
///   nothing critical is down, 503 otherwise, so an uptime checker can use it as it is.
///   With `?scope=all`, also every company's *stored* health: a summary and a page of the
///   results (`limit`, `after`, `status=DOWN|DEGRADED`; problems first), read from
///   indexes, so it answers as fast for 20,000 companies as for 20.
/// - `GET /api/companies/{companyId}/health` (an admin, or the company's own token;
///   another company's id is a 404): checks that company's account and numbers now,
///   stores the result and answers it — the admin page's "Check now".
/// - A scheduled run (an EventBridge event, no token): the platform check, the
///   announcements of voicemails and missed calls that are due (``CallAnnouncer``: what
///   waited its full time for a transcript, retries), then one pass
///   of the rolling sweep (``HealthSweep``) within `SWITCHBOARD_SWEEP_BUDGET_MS`, answered
///   in the log: `health.checked`, `health.swept`, one `health.company_changed` line per
///   company whose status changed, and embedded-metric lines for the dependencies and
///   for the tenants (`CompaniesDown`, `OldestCheckAgeSeconds`, …), which the
///   template's alarms watch.
struct HealthHandler: FunctionHandler {
    let services: AdminServices
    let settings: HealthSettings
    let checker: HealthChecker
    let tenantCheck: TenantHealthCheck
    let healthStore: any CompanyHealthStore
    let announcer: CallAnnouncer
    let retention: RecordingRetention

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try AdminServices(
            environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        settings = try HealthSettings.fromEnvironment(environment)
        checker = HealthChecker(services: services, settings: settings)
        tenantCheck = TenantHealthCheck(settings: settings, sealer: services.sealer)
        healthStore = services.store.healthStore()
        let archive = services.store.archive(try ArchiveSettings(environment))
        announcer = try CallAnnouncer(
            environment: environment, store: services.store, archive: archive, logger: context.logger)
        retention = RecordingRetention(
            directory: services.directory, archive: archive, sealer: services.sealer,
            twilioSettings: try TwilioRESTSettings.fromEnvironment(environment))
        context.logger.info("function.ready", metadata: ["store": "\(services.store.location)"])
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let answer = services.answer(logger: context.logger) { () throws(Problem) in
            guard event.method == "GET" else { throw .methodNotAllowed("GET") }
            let identity = try services.gate.identity(authorization: event.header("authorization"))
            let query: FormParameters
            do { query = try FormParameters(decoding: Array(event.rawQueryString.utf8)) } catch {
                throw .badRequest("query string: \(error)")
            }
            if let company = Self.companyInPath(event) {
                return try checkNow(company, identity: identity, logger: context.logger)
            }
            guard event.rawPath.split(separator: "/") == ["api", "admin", "notifications", "dependency-health"] else {
                throw Problem(
                    slug: "not-found", title: "No such route", status: 404,
                    detail:
                        "Health answers /api/admin/notifications/dependency-health and /api/companies/{companyId}/health"
                )
            }
            try services.gate.requireAdmin(identity, for: "the dependency health check")
            return try dependencyHealth(query, identity: identity, logger: context.logger)
        }
        return answer
    }

    /// The company of `/api/companies/{companyId}/health`, or `nil` for another path.
    static func companyInPath(_ event: HTTPEvent) -> String? {
        AdminGate.companyInPath(parameters: event.pathParameters, rawPath: event.rawPath, under: ["health"])
    }

    private func dependencyHealth(_ query: FormParameters, identity: AdminIdentity, logger: Logger) throws(Problem)
        -> HTTPResponse
    {
        let everyCompany: Bool
        switch query["scope"] {
        case nil, "platform": everyCompany = false
        case "all": everyCompany = true
        default: throw .badRequest("scope must be platform or all")
        }
        let request = everyCompany ? try TenantHealthPage.Request(query: query) : nil
        if !everyCompany, let stray = ["limit", "after", "status"].first(where: { query[$0] != nil }) {
            throw .badRequest("\(stray) goes with scope=all")
        }
        var report = checker.check()
        if let request {
            do { report.tenants = try TenantHealthPage.read(request, from: healthStore) } catch {
                logger.error("health.store_unavailable", metadata: ["error": "\(error)"])
                throw .directoryUnavailable()
            }
        }
        log(report, by: identity.subject, logger: logger)
        return .json(report.httpStatus, report)
    }

    /// Checks one company now, stores the result, answers it.
    private func checkNow(_ text: String, identity: AdminIdentity, logger: Logger) throws(Problem) -> HTTPResponse {
        let id = try services.gate.company(text, for: identity)
        let found: Company?
        do { found = try services.directory.company(id: id) } catch {
            logger.error("health.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard let company = found else { throw .companyNotFound(id.rawValue) }
        // Bounded as the dependency check is: within the health deadline.
        var rest = settings.twilio
        rest.timeoutMilliseconds = max(100, min(rest.timeoutMilliseconds, settings.deadlineMilliseconds - 250))
        let clients: TenantHealthCheck.Clients
        do { clients = try TenantHealthCheck.Clients(settings: rest) } catch {
            throw Problem(
                slug: "twilio-unavailable", title: "Twilio could not be reached", status: 503, detail: "\(error)")
        }
        let previous = try? healthStore.record(of: id)
        let started = Date()
        let record = tenantCheck.check(company, clients: clients).following(previous)
        do { try healthStore.store(record, checkStartedAt: started) } catch {
            logger.error("health.store_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
        }
        HealthSweep.logChange(from: previous, to: record, logger: logger)
        logger.info(
            "health.company_checked",
            metadata: [
                "company.id": "\(id)", "status": "\(record.status?.rawValue ?? "")", "by": "\(identity.subject)",
                "duration_ms": "\(record.durationMs ?? 0)",
            ])
        return .json(200, record)
    }

    /// A scheduled run: EventBridge's `Scheduled Event`, answered in the log.
    func handle(other event: JSONValue, context: InvocationContext) -> HTTPResponse {
        guard case .string(let source)? = event["source"], source == "aws.events" || source == "aws.scheduler" else {
            context.logger.notice("health.unknown_event", metadata: [:])
            return .text(400, "Health answers HTTP requests and EventBridge schedules only")
        }
        let report = checker.check()
        log(report, by: "schedule", logger: context.logger)
        for line in report.metricLines(timestamp: Int64(Date().timeIntervalSince1970 * 1_000)) {
            StandardError.writeLine(line)
        }

        // One pass within SWITCHBOARD_SWEEP_BUDGET_MS: announcements first (a company waits
        // on them; at most a quarter), then retention (an eighth), then the sweep (the rest).
        let clock = ContinuousClock()
        let passEnds = clock.now + .milliseconds(settings.sweepBudgetMilliseconds)
        let announced = announcer.sendDue(
            budget: .milliseconds(settings.sweepBudgetMilliseconds / 4), logger: context.logger)
        context.logger.log(
            level: announced.failed > 0 ? .error : .info, "notification.pass",
            metadata: [
                "sent": "\(announced.sent)", "skipped": "\(announced.skipped)", "failed": "\(announced.failed)",
                "waiting": "\(announced.waiting)",
            ])

        let deleted = retention.run(budget: .milliseconds(settings.sweepBudgetMilliseconds / 8), logger: context.logger)
        context.logger.log(
            level: deleted.failed > 0 ? .error : .info, "retention.pass",
            metadata: [
                "companies": "\(deleted.companies)", "deleted": "\(deleted.deleted)", "failed": "\(deleted.failed)",
                "unfinished": "\(deleted.unfinished)",
            ])

        let sweep = HealthSweep(
            store: healthStore, directory: services.directory, check: tenantCheck, settings: settings,
            logger: context.logger)
        let pass = sweep.run(round: Date(), budget: max(.milliseconds(1_000), passEnds - clock.now))
        var metadata: Logger.Metadata = [
            "checked": "\(pass.checked)", "down": "\(pass.downCount)", "enrolled": "\(pass.enrolled)",
            "removed": "\(pass.removed)",
            "waiting": "\(pass.remaining)", "elapsed_ms": "\(pass.elapsedMilliseconds)",
        ]
        if let failure = pass.storeFailure { metadata["error"] = "\(failure)" }
        if pass.storeFailure == nil {
            context.logger.info("health.swept", metadata: metadata)
        } else {
            context.logger.error("health.swept", metadata: metadata)
        }
        if let summary = try? healthStore.summary() {
            StandardError.writeLine(
                TenantHealthMetrics.line(summary: summary, checkedThisRun: pass.checked, now: Date()))
        }
        let answer = HTTPResponse.json(report.httpStatus, report)
        return answer
    }

    private func log(_ report: HealthReport, by who: String, logger: Logger) {
        var metadata: Logger.Metadata = ["overall": "\(report.overall.rawValue)", "by": "\(who)"]
        for (name, dependency) in report.dependencies {
            metadata[name] = "\(dependency.status.rawValue)"
        }
        if let summary = report.tenants?.summary {
            metadata["companies.down"] = "\(summary.down) of \(summary.companies)"
        }
        if report.httpStatus == 200 {
            logger.info("health.checked", metadata: metadata)
        } else {
            logger.error("health.checked", metadata: metadata)
        }
    }
}
