import ArgumentParser
import Foundation
import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardJSON
import SwitchboardRuntime

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
            discussion: """
                It goes the way POST /api/companies/{companyId}/messages goes: through the company's own \
                account (its API key when it has one, else its SID and token), from its primary number \
                unless --from names another of its active numbers, within the company's rate limit \
                (SWITCHBOARD_OUTBOUND_PER_MINUTE), archived as outbound-api.
                """)

        @Option(help: "The company sending.")
        var company: String

        @Option(help: "The recipient, in E.164 (any spelling Voice accepts).")
        var to: String

        @Option(help: "The text.")
        var body: String

        @Option(name: .customLong("media"), help: "An https:// URL of an image or file to attach (repeat for more).")
        var mediaURLs: [String] = []

        @Option(help: "One of the company's active numbers (default: its primary number).")
        var from: String?

        @Option(help: "Sends nothing twice: a repeat with the same key within 24 hours prints the first one's answer.")
        var idempotencyKey: String?

        @Flag(help: "Print the whole answer (the sid, status and archive record) as JSON.")
        var json = false

        func run() throws {
            var request: [String: JSONValue] = ["to": .string(to), "body": .string(body)]
            if !mediaURLs.isEmpty { request["mediaUrls"] = .array(mediaURLs.map(JSONValue.string)) }
            if let from { request["from"] = .string(from) }
            try OutboundCommand.send(.message, request, company: company, idempotencyKey: idempotencyKey, json: json)
        }
    }
}

/// `switchboard call`: a call placed from a company's own Twilio account.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Place a call from a company's number and print its sid.",
        discussion: """
            It goes the way POST /api/companies/{companyId}/calls goes. When the person called answers, \
            --connect ai-agent connects them to the company's agent stream, forward bridges them to the \
            company's forward number (a click-to-call), and say speaks --message and hangs up.
            """)

    @Option(help: "The company calling.")
    var company: String

    @Option(help: "The number to call, in E.164 (any spelling Voice accepts).")
    var to: String

    @Option(help: "What the person called is connected to: ai-agent, forward or say.")
    var connect: String = "ai-agent"

    @Option(help: "With --connect say: the words spoken.")
    var message: String?

    @Option(help: "One of the company's active numbers (default: its primary number).")
    var from: String?

    @Option(help: "Places nothing twice: a repeat with the same key within 24 hours prints the first one's answer.")
    var idempotencyKey: String?

    @Flag(help: "Print the whole answer (the sid, status and archive record) as JSON.")
    var json = false

    func run() throws {
        var request: [String: JSONValue] = ["to": .string(to), "connect": .string(connect)]
        if let message { request["message"] = .string(message) }
        if let from { request["from"] = .string(from) }
        try OutboundCommand.send(.call, request, company: company, idempotencyKey: idempotencyKey, json: json)
    }
}

/// What `sms send` and `call` share: the Outbound function's own service.
enum OutboundCommand {
    static func send(
        _ kind: OutboundRequest.Kind, _ body: [String: JSONValue], company: String, idempotencyKey: String?, json: Bool
    ) throws {
        let environment = Environment()
        let id: CompanyID
        do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
        let store = try Stores.open(environment, appName: "switchboard-\(kind.rawValue)")
        let logger = Logger(label: "switchboard.outbound") { LogLineHandler(label: $0, level: .warning) }
        let service = try OutboundService(environment: environment, store: store, logger: logger)
        let actor = "switchboard-cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "operator")
        let answer = service.send(
            kind, body: body, companyID: id, idempotencyKey: idempotencyKey, actor: actor, logger: logger)
        guard answer.statusCode < 300 else {
            let problem = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
            var text = "not sent: " + (problem?["detail"].map { "\($0)" } ?? "HTTP \(answer.statusCode)")
            if case .array(let errors)? = problem?["errors"] {
                for error in errors {
                    text += "\n  \(error["field"].map { "\($0)" } ?? ""): \(error["message"].map { "\($0)" } ?? "")"
                }
            }
            throw CommandFailure(text)
        }
        if json {
            print(answer.body)
        } else if let sid = (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)))?["sid"] {
            print("\(sid)")
        }
    }
}
