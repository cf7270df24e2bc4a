import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardRuntime
import TwilioREST

/// `switchboard rotate-token`: replaces a company's auth token, keeping the old one
/// accepted for the grace period.
struct RotateTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-token",
        abstract: "Replace a company's Twilio auth token without dropping calls.",
        discussion: """
            Reads the new token from standard input (so it stays out of the process list and \
            shell history), checks it with Twilio (unless --no-verify), and stores it. Webhooks \
            signed with the old token are still accepted for SWITCHBOARD_TOKEN_GRACE_HOURS \
            (default 72): the customer may promote the new token in Twilio's console before \
            or after this. --end-grace stops accepting the old token now.

              printf '%s' "$NEW_TOKEN" | switchboard rotate-token --company 65a1f0c2e4b0a1a2b3c4d5e1
            """
    )

    @Option(help: "The company whose token changes.")
    var company: String

    @Flag(help: "Store the token without asking Twilio whether it works.")
    var noVerify = false

    @Flag(help: "Stop accepting the old token now, instead of replacing the token.")
    var endGrace = false

    func run() throws {
        let environment = Environment()
        let id: CompanyID
        do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
        let sealer = try Settings.sealer(environment)
        let store = try Stores.open(environment, appName: "switchboard-rotate-token")
        let directory = store.directory
        let logger = Logger(label: "switchboard.rotate-token") { LogLineHandler(label: $0, level: .warning) }
        let cache = try CacheSettings.fromEnvironment(environment).map {
            RedisTenantCache(settings: $0, logger: logger)
        }
        let writer = CompanySettingsWriter(
            store: store, sealer: sealer, cache: cache,
            tokenGracePeriod: try Settings.tokenGracePeriod(environment))
        guard let current = try directory.company(id: id) else { throw CommandFailure("no company has id \(id)") }

        if endGrace {
            try writer.save(
                current, updatedBy: "switchboard rotate-token --end-grace", replacing: current,
                endingTokenGracePeriod: true)
            print("\(id): only the current auth token is accepted from now on")
            return
        }

        guard let line = readLine(strippingNewline: true)?.trimmingASCIIWhitespace(), !line.isEmpty else {
            throw CommandFailure(
                "no token on standard input; pipe the new auth token in: printf '%s' \"$TOKEN\" | switchboard rotate-token --company \(id)"
            )
        }
        let token = String(line)
        guard token.utf8.count == 32,
            token.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66)
            })
        else {
            throw CommandFailure("the token on standard input is not 32 hexadecimal characters")
        }
        if let old = current.twilio.authToken,
            (try? sealer.open(old, companyID: id.rawValue, field: .authToken)) == token
        {
            print("\(id): that is already the company's auth token; nothing changed")
            return
        }
        guard let accountSid = current.twilio.accountSid else {
            throw CommandFailure("company \(id) has no Account SID; set one with the config API first")
        }
        if !noVerify {
            let client = try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment))
            do {
                let account = try client.fetchAccount(TwilioCredentials(accountSid: accountSid, authToken: token))
                guard account.isActive else {
                    throw CommandFailure("Twilio account \(accountSid) is \(account.status); nothing changed")
                }
            } catch let error as TwilioRESTError {
                throw CommandFailure(
                    error.isAuthenticationFailure
                        ? "Twilio rejected the new token for account \(accountSid); nothing changed"
                        : "could not check the token with Twilio (\(error)); nothing changed. --no-verify stores it unchecked"
                )
            }
        }
        var next = current
        next.twilio.authToken = .plaintext(token)
        let saved = try writer.save(next, updatedBy: "switchboard rotate-token", replacing: current)
        if let until = saved.company.twilio.authTokenPreviousExpiresAt, saved.tokenRotated {
            print("\(id): auth token replaced; webhooks signed with the old token are accepted until \(until)")
        } else {
            print("\(id): auth token replaced")
        }
        if !saved.cacheInvalidated {
            FileHandle.standardError.write(
                Data(
                    "switchboard rotate-token: the cache could not be told; warm functions may check the old token only until their cache entries expire\n"
                        .utf8))
        }
    }
}
