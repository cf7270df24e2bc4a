import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard reseal`: every stored secret under the current data key.
struct ResealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reseal",
        abstract:
            "Seal every stored secret again under the current SWITCHBOARD_DATA_KEY, so an old key can be retired.",
        discussion: """
            Auth tokens, replaced tokens and API secrets sealed under a key in \
            SWITCHBOARD_DATA_KEY_PREVIOUS (or still in clear) are opened and sealed under \
            SWITCHBOARD_DATA_KEY; the cache entries of changed companies are invalidated. \
            Running it again finds nothing to do. A value no configured key opens is reported \
            and left as it is, and the exit status is 1: keep its old key, or re-enter it.
            """
    )

    @Flag(help: "Report what would move, change nothing.")
    var dryRun = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let environment = Environment()
        let sealer = try Settings.sealer(environment)
        let store = try Settings.store(environment)
        let directory = try store.open(appName: "switchboard-reseal", creating: false).directory
        let logger = Logger(label: "switchboard.reseal") { LogLineHandler(label: $0, level: .warning) }
        let cache = try CacheSettings.fromEnvironment(environment).map {
            RedisTenantCache(settings: $0, logger: logger)
        }
        let resealing = SecretResealing(sealer: sealer)
        var report = SecretResealing.Report()
        for company in try directory.survey().companies {
            guard var next = resealing.reseal(company, into: &report) else { continue }
            report.companies += 1
            guard !dryRun else { continue }
            next.twilio.lastUpdated = Timestamp.format(
                CompanySettingsWriter.stamp(after: company.twilio.lastUpdated, now: Date()))
            next.twilio.updatedBy = "switchboard reseal"
            try directory.save(next, replacing: company)
            _ = cache?.invalidate(companyID: next.id, numbers: next.allNumbers)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let verb = dryRun ? "would move" : "moved"
            for (from, count) in report.moved.sorted(by: { $0.key < $1.key }) {
                print(
                    "\(verb) \(count) value\(count == 1 ? "" : "s") from \(from == "plaintext" ? "clear text" : "key id \(from)") to key id \(sealer.currentKeyID)"
                )
            }
            print(
                "\(report.current) value\(report.current == 1 ? " was" : "s were") already under the current key (id \(sealer.currentKeyID)); \(report.companies) compan\(report.companies == 1 ? "y" : "ies") \(dryRun ? "to change" : "changed")"
            )
            for value in report.unopenable {
                FileHandle.standardError.write(
                    Data(
                        "switchboard reseal: \(value.companyId) \(value.field) cannot be opened (it needs \(value.needs)); left as it is\n"
                            .utf8))
            }
        }
        if !report.unopenable.isEmpty { throw ExitCode(1) }
    }
}
