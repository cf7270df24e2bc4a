import ArgumentParser
import Foundation
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard health`: the Health function's checks, from a terminal.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check the directory, Redis and Twilio (and with --scope all, every company's account and webhooks).",
        discussion: "Exits 0 when nothing critical is down, 1 otherwise, as the Health function answers 200 or 503. Uses this environment's settings, like the functions."
    )

    @Option(help: "platform, or all (every company's account and webhook set-up too).")
    var scope: String = "platform"

    @Flag(help: "Print the report as JSON, as the Health function answers it.")
    var json = false

    func run() throws {
        guard scope == "platform" || scope == "all" else { throw CommandFailure("--scope must be platform or all") }
        let environment = Environment()
        let store = try Settings.store(environment)
        let checker = HealthChecker(
            store: store, directory: try DirectoryFactory.open(store, appName: "switchboard-health", creating: false),
            sealer: try Settings.sealer(environment), settings: try HealthSettings.fromEnvironment(environment))
        let report = checker.check(everyCompany: scope == "all")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report, colour: isatty(1) == 1))
        }
        if report.httpStatus != 200 { throw ExitCode(1) }
    }

    /// The report as a person reads it.
    static func table(_ report: HealthReport, colour: Bool) -> String {
        func paint(_ status: HealthStatus) -> String {
            let text = status.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
            guard colour else { return text }
            let code = switch status {
            case .healthy: "32"
            case .degraded: "33"
            case .down: "31"
            case .notConfigured: "90"
            }
            return "\u{1B}[\(code)m\(text)\u{1B}[0m"
        }
        func latency(_ value: Double?) -> String {
            (value.map { String(format: "%.1f ms", $0) } ?? "—").padding(toLength: 10, withPad: " ", startingAt: 0)
        }
        var lines = ["DEPENDENCY  STATUS         LATENCY   MESSAGE"]
        for name in ["directory", "cache", "twilio"] {
            guard let dependency = report.dependencies[name] else { continue }
            var message = dependency.message
            if case .string(let source)? = dependency.details["credentialSource"] { message += " [credentials: \(source)]" }
            lines.append(name.padding(toLength: 12, withPad: " ", startingAt: 0) + paint(dependency.status) + " " + latency(dependency.latencyMs) + message)
        }
        lines.append("overall: " + paint(report.overall).trimmingCharacters(in: .whitespaces) + " (checked \(report.checkedAt))")
        for company in report.companies ?? [] {
            lines.append("")
            lines.append("\(company.companyName) [\(company.companyId)]: " + paint(company.account.status).trimmingCharacters(in: .whitespaces))
            for problem in company.problems { lines.append("  - " + problem) }
            for number in company.numbers where number.action == nil {
                lines.append("  \(number.phoneNumber): voice \(number.voice), sms \(number.sms)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
