import ArgumentParser
import Foundation
import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardNotify
import TwilioREST

/// `switchboard recordings`: a company's recordings at Twilio.
struct RecordingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recordings",
        abstract: "Delete a company's recordings at Twilio.",
        subcommands: [Purge.self]
    )

    /// `switchboard recordings purge --company ID --before DATE`: what a company's
    /// retention does, by hand.
    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "purge",
            abstract: "Delete a company's recordings made before a date, at Twilio, with its own credentials.",
            discussion:
                "Each call's record keeps that its recording was deleted (playing it then answers 410). A company's recordingRetentionDays does the same every scheduled run."
        )

        @Option(help: "The company.")
        var company: String

        @Option(help: "Delete recordings of calls before this time (ISO 8601, or a date: 2026-01-01).")
        var before: String

        @Option(help: "At most this many recordings.")
        var limit: Int = 1_000

        func run() throws {
            let id: CompanyID
            do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
            guard let cutoff = Timestamp.parse(before) ?? Timestamp.parse(before + "T00:00:00Z") else {
                throw CommandFailure("--before must be an ISO 8601 time or a date, e.g. 2026-01-01")
            }
            guard (1...100_000).contains(limit) else { throw CommandFailure("--limit must be from 1 to 100000") }
            let environment = Environment()
            let store = try Stores.open(environment, appName: "switchboard-recordings")
            guard let found = try store.directory.company(id: id) else {
                throw CommandFailure("no company \(id)")
            }
            let retention = RecordingRetention(
                directory: store.directory, archive: store.archive(try ArchiveSettings(environment)),
                sealer: try Settings.sealer(environment),
                twilioSettings: try TwilioRESTSettings.fromEnvironment(environment))
            var logger = Logger(label: "switchboard.recordings")
            logger.logLevel = .warning
            let pass = retention.purge(found, before: cutoff, limit: limit, logger: logger)
            print(
                "\(pass.deleted) recordings of \(found.name) before \(Timestamp.format(cutoff)) deleted"
                    + (pass.failed > 0 ? "; \(pass.failed) could not be (see the log above)" : "")
                    + (pass.unfinished ? "; more remain: run it again" : ""))
            if pass.failed > 0 { throw ExitCode(1) }
        }
    }
}
