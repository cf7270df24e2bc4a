import ArgumentParser
import Foundation
import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime
import TwilioREST

/// `switchboard signing enable|rotate|disable`: webhooks signed with a SharedKey
/// Switchboard holds instead of the company's auth token.
struct SigningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing",
        abstract: "Have Twilio sign a company's webhooks with a shared key Switchboard holds (Public Beta).",
        discussion: """
            Twilio's Webhooks configuration API (Public Beta) lets an account sign webhooks with \
            a SharedKey instead of its auth token, so regenerating the auth token in Twilio's \
            console no longer breaks the company's calls. These commands work in the company's \
            own account with its API key (the API accepts only API keys); TWILIO_WEBHOOKS_API_BASE \
            points them elsewhere (tests). Auth-token signing stays the default.
            """,
        subcommands: [Enable.self, Rotate.self, Disable.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The company.")
        var company: String
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a SharedKey, a Setting that signs with it and a Rule on this deployment's webhook URLs.")
        @OptionGroup var options: Options
        @Option(help: "HMAC_SHA256 (the default) or HMAC_SHA1.")
        var algorithm = "HMAC_SHA256"

        func run() throws {
            guard let algorithm = WebhookSignatureAlgorithm(rawValue: algorithm) else {
                throw CommandFailure("--algorithm must be HMAC_SHA256 or HMAC_SHA1")
            }
            try SigningCommand.change(options.company, verb: "enable") {
                setup, company, _ throws(WebhookSigningSetup.Failure) in
                try setup.enable(company, algorithm: algorithm)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make a new SharedKey, move the Rules to it, keep the old one valid for SWITCHBOARD_TOKEN_GRACE_HOURS.")
        @OptionGroup var options: Options

        func run() throws {
            try SigningCommand.change(options.company, verb: "rotate") {
                setup, company, now throws(WebhookSigningSetup.Failure) in
                try setup.rotate(company, now: now)
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove what enable and rotate made; Twilio signs with the auth token again.")
        @OptionGroup var options: Options

        func run() throws {
            try SigningCommand.change(options.company, verb: "disable") {
                setup, company, _ throws(WebhookSigningSetup.Failure) in
                try setup.disable(company)
            }
        }
    }

    /// Runs one change at Twilio and stores its result; prints the report.
    static func change(
        _ text: String, verb: String,
        _ body: (WebhookSigningSetup, Company, Date) throws(WebhookSigningSetup.Failure) -> (
            Company, WebhookSigningSetup.Report
        )
    ) throws {
        let environment = Environment()
        let id: CompanyID
        do { id = try CompanyID(text) } catch { throw CommandFailure("--company: \(error)") }
        let sealer = try Settings.sealer(environment)
        let store = try Stores.open(environment, appName: "switchboard-signing")
        let directory = store.directory
        let logger = Logger(label: "switchboard.signing") { LogLineHandler(label: $0, level: .warning) }
        let cache = try CacheSettings.fromEnvironment(environment).map {
            RedisTenantCache(settings: $0, logger: logger)
        }
        let grace = try Settings.tokenGracePeriod(environment)
        let writer = CompanySettingsWriter(store: store, sealer: sealer, cache: cache, tokenGracePeriod: grace)
        let setup = WebhookSigningSetup(
            client: try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment)),
            targets: try WebhookTargets.fromEnvironment(environment), sealer: sealer, gracePeriod: grace)
        guard let current = try directory.company(id: id) else { throw CommandFailure("no company has id \(id)") }
        let changed: Company
        let report: WebhookSigningSetup.Report
        do { (changed, report) = try body(setup, current, Date()) } catch {
            throw CommandFailure("not done: \(error)")
        }
        do {
            try writer.save(changed, updatedBy: "switchboard signing \(verb)", replacing: current)
        } catch {
            throw CommandFailure(
                "Twilio was changed (\(report.action)), but the company could not be saved: \(error). Run the command again after fixing it"
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
