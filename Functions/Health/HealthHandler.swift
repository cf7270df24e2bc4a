import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers `GET /api/admin/notifications/dependency-health`, and the schedule that runs
/// it every five minutes.
///
/// The story of one check:
/// 1. Over HTTP, only `GET`, only a platform admin's token (401 without one, 403 for a
///    company token); `?scope=all` adds every company's account and webhook set-up.
/// 2. The directory, Redis and Twilio are checked at once, each bounded, the whole within
///    `SWITCHBOARD_HEALTH_DEADLINE_MS` (see ``HealthChecker``).
/// 3. The answer is 200 when nothing critical is down, 503 otherwise, so a load balancer
///    or an uptime checker can use it as it is.
/// 4. A scheduled run (an EventBridge event, no token) answers only in the log: one
///    `health.checked` line and one CloudWatch embedded-metric line per dependency, which
///    the template's alarm watches.
struct HealthHandler: FunctionHandler {
    let services: AdminServices
    let checker: HealthChecker

    init(context: FunctionInitContext) throws {
        let environment = Environment(context.environment)
        services = try AdminServices(environment: environment, logger: context.logger, appName: "switchboard-\(context.functionName)")
        checker = HealthChecker(services: services, settings: try HealthSettings.fromEnvironment(environment))
        context.logger.info("function.ready", metadata: ["store": "\(services.store)"])
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let answer = services.answer(logger: context.logger) { () throws(Problem) in
            guard event.method == "GET" else { throw .methodNotAllowed("GET") }
            let identity = try services.gate.identity(authorization: event.header("authorization"))
            try services.gate.requireAdmin(identity, for: "the dependency health check")
            let query: FormParameters
            do { query = try FormParameters(decoding: Array(event.rawQueryString.utf8)) } catch { throw .badRequest("query string: \(error)") }
            let everyCompany: Bool
            switch query["scope"] {
            case nil, "platform": everyCompany = false
            case "all": everyCompany = true
            default: throw .badRequest("scope must be platform or all")
            }
            let report = checker.check(everyCompany: everyCompany)
            log(report, by: identity.subject, logger: context.logger)
            return .json(report.httpStatus, report)
        }
        return HTTPResponse(statusCode: answer.status, headers: answer.headers, body: answer.body)
    }

    /// A scheduled run: EventBridge's `Scheduled Event`, answered in the log.
    func handle(other event: JSONValue, context: InvocationContext) -> HTTPResponse {
        guard case .string(let source)? = event["source"], source == "aws.events" || source == "aws.scheduler" else {
            context.logger.notice("health.unknown_event", metadata: [:])
            return .text(400, "Health answers HTTP requests and EventBridge schedules only")
        }
        let report = checker.check(everyCompany: false)
        log(report, by: "schedule", logger: context.logger)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        for line in report.metricLines(timestamp: now) { StandardError.writeLine(line) }
        let answer = APIResponse.json(report.httpStatus, report)
        return HTTPResponse(statusCode: answer.status, headers: answer.headers, body: answer.body)
    }

    private func log(_ report: HealthReport, by who: String, logger: Logger) {
        var metadata: Logger.Metadata = ["overall": "\(report.overall.rawValue)", "by": "\(who)"]
        for (name, dependency) in report.dependencies {
            metadata[name] = "\(dependency.status.rawValue)"
        }
        if let companies = report.companies {
            metadata["companies.with_problems"] = "\(companies.filter { !$0.problems.isEmpty }.count) of \(companies.count)"
        }
        if report.httpStatus == 200 { logger.info("health.checked", metadata: metadata) } else { logger.error("health.checked", metadata: metadata) }
    }
}
