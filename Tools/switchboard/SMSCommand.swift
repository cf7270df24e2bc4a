import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardRuntime
import TwilioREST

/// `switchboard sms send`: a message from a company's own Twilio account.
struct SMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms",
        abstract: "Send messages through a company's own Twilio account.",
        subcommands: [Send.self]
    )

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send a message from a company's number and print its sid.",
            discussion: "It goes through the company's own account (its API key when it has one, else its SID and token), from its primary number unless --from names another of its active numbers, and is archived as outbound.")

        @Option(help: "The company sending.")
        var company: String

        @Option(help: "The recipient, in E.164 (any spelling Voice accepts).")
        var to: String

        @Option(help: "The text.")
        var body: String

        @Option(help: "One of the company's active numbers (default: its primary number).")
        var from: String?

        func run() throws {
            let environment = Environment()
            let id: CompanyID
            do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
            let recipient: PhoneNumber
            do { recipient = try PhoneNumber(parsing: to) } catch { throw CommandFailure("--to \"\(to.prefix(40))\" \(error)") }
            let sender = try from.map { text in
                do { return try PhoneNumber(parsing: text) } catch { throw CommandFailure("--from \"\(text.prefix(40))\" \(error)") }
            }
            guard !body.isEmpty, body.count <= 1_600 else { throw CommandFailure("--body must be 1-1600 characters") }
            let store = try DirectoryFactory.openStore(environment, appName: "switchboard-sms")
            let logger = Logger(label: "switchboard.sms") { LogLineHandler(label: $0, level: .warning) }
            let messenger = CompanyMessenger(
                directory: store.directory, sealer: try Settings.sealer(environment),
                client: try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment)),
                recorder: ArchiveRecorder(archive: store.archive, timeoutMilliseconds: 2_000))
            do {
                print(try messenger.send(companyID: id, to: recipient, body: body, from: sender, logger: logger).sid)
            } catch {
                throw CommandFailure("not sent: \(error)")
            }
        }
    }
}
