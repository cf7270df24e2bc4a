import ArgumentParser
import Foundation
import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime
import Synchronization

/// `switchboard health`: the Health function's checks, from a terminal.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract:
            "Check the directory, Redis and Twilio; with --scope all, show every company's stored health; with --sweep, check every company now.",
        discussion: """
            Exits 0 when nothing critical is down, 1 otherwise, as the Health function answers 200 or 503. \
            --sweep checks every company once (SWITCHBOARD_SWEEP_CONCURRENCY at a time), storing each result as the \
            scheduled sweep does, and exits 1 only when the store failed. Uses this environment's settings, like the functions.
            """
    )

    @Option(help: "platform, or all (every company's stored health too, problems first).")
    var scope: String = "platform"

    @Option(help: "With --scope all: only companies with this status (DOWN or DEGRADED).")
    var status: String?

    @Option(help: "With --scope all: how many companies to show (1 to 200).")
    var limit: Int = TenantHealthPage.defaultLimit

    @Flag(help: "Check every company now, in passes of SWITCHBOARD_SWEEP_BUDGET_MS, until each was checked once.")
    var sweep = false

    @Flag(help: "Print the report as JSON, as the Health function answers it.")
    var json = false

    func run() throws {
        guard scope == "platform" || scope == "all" else { throw CommandFailure("--scope must be platform or all") }
        let environment = Environment()
        let store = try Stores.open(environment, appName: "switchboard-health")
        let directory = store.directory
        let sealer = try Settings.sealer(environment)
        let settings = try HealthSettings.fromEnvironment(environment)
        let healthStore = store.healthStore()
        if sweep {
            try Self.sweep(directory: directory, healthStore: healthStore, sealer: sealer, settings: settings)
            return
        }
        let checker = HealthChecker(store: store, sealer: sealer, settings: settings)
        var report = checker.check()
        if scope == "all" {
            var request = TenantHealthPage.Request()
            guard (1...TenantHealthPage.maximumLimit).contains(limit) else {
                throw CommandFailure("--limit must be from 1 to \(TenantHealthPage.maximumLimit)")
            }
            request.limit = limit
            if let status {
                guard let wanted = HealthStatus(rawValue: status.uppercased()), wanted == .down || wanted == .degraded
                else {
                    throw CommandFailure("--status must be DOWN or DEGRADED")
                }
                request.status = wanted
            }
            report.tenants = try TenantHealthPage.read(request, from: healthStore)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report, colour: isatty(1) == 1))
        }
        if report.httpStatus != 200 { throw ExitCode(1) }
    }

    /// Every company checked once: passes until the round is done, a progress bar on a
    /// terminal (a line per thousand otherwise), then what it found.
    static func sweep(
        directory: any TenantDirectory, healthStore: any CompanyHealthStore, sealer: SecretSealer,
        settings: HealthSettings
    ) throws {
        let round = Date()
        var logger = Logger(label: "switchboard.health")
        logger.logLevel = .critical  // the summary names every DOWN company
        var enrolled = 0
        while true {
            let added = try healthStore.enrolMissing(limit: 5_000, at: round)
            enrolled += added
            if added == 0 { break }
        }
        let total = try healthStore.countDue(notCheckedSince: round)
        let progress = SweepProgress(total: total, terminal: isatty(2) == 1)
        let sweep = HealthSweep(
            store: healthStore, directory: directory, check: TenantHealthCheck(settings: settings, sealer: sealer),
            settings: settings, logger: logger)
        let clock = ContinuousClock()
        let started = clock.now
        var checked = 0
        var downCount = 0
        var removed = 0
        var down: [(id: String, name: String, problem: String)] = []
        var passes = 0
        while true {
            let before = checked
            let pass = sweep.run(round: round, budget: .milliseconds(settings.sweepBudgetMilliseconds)) { inPass in
                progress.show(before + inPass)
            }
            passes += 1
            checked += pass.checked
            downCount += pass.downCount
            removed += pass.removed
            down += pass.down.prefix(max(0, 50 - down.count))
            if let failure = pass.storeFailure {
                progress.end()
                throw CommandFailure("the sweep stopped after \(checked) companies: \(failure)")
            }
            if pass.finishedRound || (pass.checked == 0 && pass.removed == 0) { break }
        }
        progress.end()
        let elapsed = clock.now - started
        let seconds = Self.seconds(elapsed)
        var lines = [
            String(
                format: "checked %d companies in %.1f s (%d pass%@, %.1f companies/s)", checked, seconds, passes,
                passes == 1 ? "" : "es",
                seconds > 0 ? Double(checked) / seconds : 0)
        ]
        if enrolled > 0 { lines.append("\(enrolled) companies had no health yet and were added") }
        if removed > 0 { lines.append("\(removed) companies are gone from the directory; their health was removed") }
        lines.append("DOWN: \(downCount)")
        for company in down { lines.append("  \(company.name) [\(company.id)]: \(company.problem)") }
        if downCount > down.count {
            lines.append("  … and \(downCount - down.count) more: switchboard health --scope all --status DOWN")
        }
        print(lines.joined(separator: "\n"))
    }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The report as a person reads it.
    static func table(_ report: HealthReport, colour: Bool) -> String {
        func paint(_ status: HealthStatus?) -> String {
            let text = (status?.rawValue ?? "UNCHECKED").padding(toLength: 14, withPad: " ", startingAt: 0)
            guard colour else { return text }
            let code =
                switch status {
                case .healthy?: "32"
                case .degraded?: "33"
                case .down?: "31"
                case .notConfigured?, nil: "90"
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
            if case .string(let source)? = dependency.details["credentialSource"] {
                message += " [credentials: \(source)]"
            }
            lines.append(
                name.padding(toLength: 12, withPad: " ", startingAt: 0) + paint(dependency.status) + " "
                    + latency(dependency.latencyMs) + message)
        }
        lines.append(
            "overall: " + paint(report.overall).trimmingCharacters(in: .whitespaces) + " (checked \(report.checkedAt))")
        guard let tenants = report.tenants else { return lines.joined(separator: "\n") }
        let summary = tenants.summary
        lines.append("")
        lines.append(
            "companies: \(summary.companies) (\(summary.configured) configured), checked \(summary.checked), never checked \(summary.neverChecked), "
                + "DOWN \(summary.down), DEGRADED \(summary.degraded); oldest check \(summary.oldestCheckAt ?? "none")")
        for company in tenants.companies {
            lines.append("")
            lines.append(
                "\(company.companyName) [\(company.companyId)]: "
                    + paint(company.status).trimmingCharacters(in: .whitespaces)
                    + (company.checkedAt.map { " (checked \($0))" } ?? ""))
            for problem in company.problems { lines.append("  - " + problem) }
            for number in company.numbers where number.action == nil {
                lines.append("  \(number.phoneNumber): voice \(number.voice), sms \(number.sms)")
            }
        }
        if tenants.next != nil { lines.append("\n… more: raise --limit, or read the API's next page") }
        return lines.joined(separator: "\n")
    }
}

/// The sweep's progress on standard error: a bar on a terminal, a line per thousand
/// companies otherwise.
final class SweepProgress: Sendable {
    private let total: Int
    private let terminal: Bool
    private let shown = Mutex((last: 0, drawn: false))
    private let started = ContinuousClock.now

    init(total: Int, terminal: Bool) {
        self.total = total
        self.terminal = terminal
    }

    func show(_ checked: Int) {
        shown.withLock { shown in
            if terminal {
                let width = 30
                let filled = total > 0 ? min(width, checked * width / total) : width
                let elapsed = ContinuousClock.now - started
                let seconds = max(0.001, HealthCommand.seconds(elapsed))
                let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                FileHandle.standardError.write(
                    Data(
                        String(
                            format: "\r[%@] %d/%d companies  %.1f/s", bar, checked, max(total, checked),
                            Double(checked) / seconds
                        ).utf8))
                shown.drawn = true
            } else if checked / 1_000 > shown.last / 1_000 {
                FileHandle.standardError.write(Data("checked \(checked) of \(max(total, checked)) companies\n".utf8))
            }
            shown.last = max(shown.last, checked)
        }
    }

    func end() {
        shown.withLock { shown in
            if shown.drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
