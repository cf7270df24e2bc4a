import ArgumentParser
import Foundation
import SwitchboardAdmin
import SwitchboardCore

/// `switchboard token`: prints an admin token for the config API.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an admin token (a JWT signed with SWITCHBOARD_ADMIN_SECRET) for the config API.",
        discussion: """
            A platform admin token (--role admin) sees and changes every company; a company \
            token (--role company --company ID) only that company. Send it as \
            `Authorization: Bearer <token>`. Anyone holding the token is that admin until it \
            expires: keep lifetimes short.
            """
    )

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case admin, company
    }

    @Option(help: "admin (every company) or company (one company).")
    var role: Role

    @Option(help: "The company a company token is for.")
    var company: String?

    @Option(help: "Who the token names; recorded as updatedBy on every change made with it.")
    var subject: String =
        ProcessInfo.processInfo.environment["USER"].map { "\($0)@switchboard-cli" } ?? "switchboard-cli"

    @Option(help: "How long the token lives: 90s, 30m, 1h, 7d (at most 30d).")
    var ttl: String = "1h"

    func run() throws {
        let lifetime = try Self.duration(ttl)
        let secrets = try AdminSecrets.fromEnvironment(Environment())
        let tokenRole: AdminIdentity.Role
        switch role {
        case .admin:
            guard company == nil else {
                throw CommandFailure("--company is for company tokens; an admin token sees every company")
            }
            tokenRole = .admin
        case .company:
            guard let company else { throw CommandFailure("a company token needs --company ID") }
            do { tokenRole = .company(try CompanyID(company)) } catch { throw CommandFailure("--company: \(error)") }
        }
        guard !subject.isEmpty, subject.utf8.count <= 200 else {
            throw CommandFailure("--subject must be 1-200 characters")
        }
        print(try AdminTokenIssuer(secrets: secrets).token(subject: subject, role: tokenRole, lifetime: lifetime))
    }

    /// `90s`, `30m`, `1h`, `7d`, or plain seconds; at most 30 days.
    static func duration(_ text: String) throws -> Duration {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, let seconds = units[last] {
            unit = seconds
            digits = digits.dropLast()
        }
        guard let count = Int(digits), count > 0, count * unit <= 30 * 86_400 else {
            throw CommandFailure("--ttl must be like 90s, 30m, 1h or 7d, at most 30d; got \"\(text.prefix(20))\"")
        }
        return .seconds(count * unit)
    }
}
