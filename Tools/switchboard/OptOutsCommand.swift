import ArgumentParser
import Foundation
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard opt-outs --company ID`: the numbers that opted out of a company's
/// messages, as the HTTP API lists them. There is no command to opt one back in: only a
/// START from the number does.
struct OptOutsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opt-outs",
        abstract: "List the numbers that opted out of a company's messages (replied STOP).",
        discussion:
            "Prints one JSON line per number (number, optedOutAt, source), then the count on standard error. Nothing here opts a number back in: only a START from that number does."
    )

    @Option(help: "The company.")
    var company: String

    @Option(help: "At most this many numbers.")
    var limit: Int = 1_000

    func run() throws {
        let id: CompanyID
        do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
        guard (1...100_000).contains(limit) else { throw CommandFailure("--limit must be from 1 to 100000") }
        let store = try Stores.open(Environment(), appName: "switchboard-opt-outs")
        guard try store.directory.company(id: id) != nil else { throw CommandFailure("no company has id \(id)") }
        let listing = OptOutListing(recipients: store.recipientLedger())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var after: PhoneNumber?
        var printed = 0
        var count = 0
        repeat {
            let page = try listing.page(.init(limit: limit - printed, after: after), companyID: id)
            count = page.count
            for entry in page.optOuts {
                print(String(decoding: try encoder.encode(entry), as: UTF8.self))
            }
            printed += page.optOuts.count
            after = page.next.flatMap { try? PhoneNumber(parsing: $0) }
        } while after != nil && printed < limit
        FileHandle.standardError.write(
            Data("\(count) number\(count == 1 ? "" : "s") opted out of company \(id)'s messages\n".utf8))
    }
}
