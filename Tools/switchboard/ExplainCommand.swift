import ArgumentParser
import Foundation
import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime
import TwilioREST

/// `switchboard explain NUMBER`: why a number routes where it does.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain what happens when someone calls a number right now, and why.",
        discussion: """
            In order: the number as parsed; the company that answers it (or the near misses: \
            an inactive entry, a stored spelling the lookup cannot match, a number one digit \
            away); what the cache holds and whether it agrees; whether the company's \
            credentials open; the routing with its fallbacks and the exact TwiML Voice \
            answers; with --twilio, how Twilio routes the number. Reads only; never prints \
            a secret. Exits 0 when a company answers the call, 1 otherwise.

              switchboard explain "+1 (555) 010-0001"
              switchboard explain +15550100001 --json
              switchboard explain +15550100001 --at 2026-12-25T09:00:00-05:00 --from +15550100999

            Quote a number written with parentheses: the shell reads them itself.
            """
    )

    @Argument(help: "The number, in any spelling Voice accepts (quoted, or as separate words).")
    var number: [String]

    @Flag(help: "Print the explanation as one JSON object.")
    var json = false

    @Flag(help: "Also ask Twilio how it routes the number (its Voice/SMS URLs, a TwiML app or trunk).")
    var twilio = false

    @Option(help: "The instant the call arrives, ISO 8601 (2026-12-25T09:00:00Z or with an offset); default now.")
    var at: String?

    @Option(help: "The caller's number, checked against the company's blockedCallers and rejectAnonymous.")
    var from: String?

    @Option(help: "The CallSid the TwiML should carry.")
    var callSid = "CA" + String(repeating: "0", count: 32)

    @Option(help: "Voice's URL, which callbacks point at (default: SWITCHBOARD_PUBLIC_URL + /api/twilio/voice).")
    var voiceURL: String?

    func validate() throws {
        if let at, Self.instant(at) == nil {
            throw ValidationError("--at \"\(at.prefix(40))\" is not an ISO 8601 time like 2026-12-25T09:00:00Z")
        }
    }

    /// The instant `text` names: ISO 8601 with `Z` or an offset.
    static func instant(_ text: String) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }

    func run() throws {
        let environment = Environment()
        let store = try Settings.store(environment)
        let directory = try store.open(appName: "switchboard-explain", creating: false).directory
        let logger = Logger(label: "switchboard.explain") { LogLineHandler(label: $0, level: .critical) }
        let cache = try CacheSettings.fromEnvironment(environment).map {
            RedisTenantCache(settings: $0, logger: logger)
        }
        let sealer = try Settings.sealer(environment)
        let planner = VoiceCallPlanner(platformAgentStreamURL: try Settings.agentStreamURL(environment))
        let voice =
            try voiceURL ?? (Settings.publicURL(environment)?.base).map { $0 + "/api/twilio/voice" }
            ?? "https://<your-api>/api/twilio/voice"
        var explanation = try CallExplainer(directory: directory, cache: cache, sealer: sealer, planner: planner)
            .explain(
                number.joined(separator: " "), callSid: callSid, voiceURL: voice, caller: from,
                now: at.flatMap(Self.instant) ?? Date())
        if twilio, let id = explanation.company?.companyId, let company = try directory.company(id: try CompanyID(id)) {
            explanation.twilio = try Self.twilioRouting(
                of: company, number: explanation.e164 ?? "", sealer: sealer, environment: environment)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(explanation), as: UTF8.self))
        } else {
            print(Self.text(explanation))
        }
        if !explanation.answered { throw ExitCode(1) }
    }

    /// How Twilio routes the number, with the company's own credentials.
    static func twilioRouting(of company: Company, number: String, sealer: SecretSealer, environment: Environment)
        throws -> CallExplanation.TwilioRouting
    {
        guard let credentials = HealthChecker.credentials(of: company, sealer: sealer) else {
            return .init(
                voice: "unknown", sms: "unknown", voiceUrl: nil, smsUrl: nil,
                detail: "the company's credentials do not open, so Twilio cannot be asked")
        }
        let targets = try WebhookTargets.fromEnvironment(environment)
        let client = try TwilioRESTClient(settings: try TwilioRESTSettings.fromEnvironment(environment))
        let found: TwilioIncomingNumber
        do {
            guard
                let first = try client.incomingPhoneNumbers(credentials, number: try PhoneNumber(parsing: number)).first
            else {
                return .init(
                    voice: "not_found", sms: "not_found", voiceUrl: nil, smsUrl: nil,
                    detail: "Twilio account \(credentials.accountSid) does not own this number")
            }
            found = first
        } catch {
            return .init(
                voice: "unknown", sms: "unknown", voiceUrl: nil, smsUrl: nil,
                detail: "Twilio could not be asked: \(error)")
        }
        let voice = HealthChecker.finding(
            url: found.voiceUrl, method: found.voiceMethod, target: targets?.voiceURL,
            overriddenBy: [found.voiceApplicationSid, found.trunkSid])
        let sms = HealthChecker.finding(
            url: found.smsUrl, method: found.smsMethod, target: targets?.smsURL, overriddenBy: [found.smsApplicationSid]
        )
        let advice = [
            HealthChecker.advice(voice, kind: "Voice", target: targets?.voiceURL),
            HealthChecker.advice(sms, kind: "SMS", target: targets?.smsURL),
        ].compactMap { $0 }
        var detail = advice.isEmpty ? "Twilio sends its calls and messages here" : advice.joined(separator: "; ")
        if targets == nil { detail += " (this deployment's URLs are not set: SWITCHBOARD_PUBLIC_URL)" }
        return .init(voice: voice, sms: sms, voiceUrl: found.voiceUrl, smsUrl: found.smsUrl, detail: detail)
    }

    /// The explanation for a person, step by step.
    static func text(_ explanation: CallExplanation) -> String {
        var lines: [String] = []
        if let problem = explanation.numberProblem {
            lines.append("1. \"\(explanation.input.prefix(64))\" is not a phone number: it \(problem)")
        } else {
            lines.append("1. \"\(explanation.input.prefix(64))\" is \(explanation.e164 ?? "")")
        }
        if explanation.numberProblem == nil {
            if let company = explanation.company {
                lines.append("2. \(company.companyName) (\(company.companyId)) answers it: \(company.matchedBy)")
            } else {
                lines.append("2. No company answers it in the directory.")
                for miss in explanation.nearMisses {
                    lines.append("   near miss: \(miss.companyName) (\(miss.companyId)): \(miss.detail)")
                }
                if explanation.nearMisses.isEmpty {
                    lines.append("   No company holds it in any spelling, and none holds a number one digit away.")
                }
            }
            lines.append("3. Cache: \(explanation.cache.detail)")
        }
        if let credentials = explanation.credentials {
            var text =
                "4. Credentials: Account SID \(credentials.hasAccountSid ? "set" : "MISSING"); auth token \(credentials.authTokenDetail)"
            if let previous = credentials.previousToken { text += "; \(previous.detail) (\(previous.keyStatus))" }
            lines.append(text)
            lines.append("   Webhooks: \(credentials.signing)")
        }
        if let hours = explanation.hours {
            lines.append("   Hours: \(hours.detail)\(hours.timezone.map { " (\($0))" } ?? "")")
        }
        if let caller = explanation.caller {
            lines.append("   Caller \(caller.from.prefix(64)): \(caller.detail)")
        }
        if let routing = explanation.routing {
            let stored = routing.storedMode ?? "no callRoutingMode stored"
            var text =
                routing.storedMode == routing.usedMode
                ? "5. Routing: \(routing.usedMode), as stored"
                : "5. Routing: answered as \(routing.usedMode); the stored callRoutingMode is \(stored)"
            if let fallback = routing.fallback { text += " (fallback: \(fallback))" }
            if let stream = routing.agentStreamUrl { text += "; agent stream \(stream)" }
            if let forward = routing.forwardNumber {
                let group = routing.ringGroup.count > 1 ? routing.ringGroup.joined(separator: ", ") : forward
                let how =
                    routing.ringGroup.count > 1
                    ? " (\(routing.forwardStrategy ?? "simultaneous"), \(routing.forwardRingSeconds ?? 20) s\(routing.forwardStrategy == "sequential" ? " each" : ""))"
                    : " for \(routing.forwardRingSeconds ?? 20) s"
                text +=
                    "; rings \(group)\(how)\(routing.recordingEnabled ? ", recorded" : "")\(routing.whisper ? ", with a whisper" : "")\(routing.forwardScreening ? ", screened: press 1 to accept" : "")"
            }
            if let fallback = routing.forwardFallback {
                text +=
                    fallback == ForwardFallback.hangup.rawValue
                    ? "; unanswered, busy or failed: hangs up" : "; unanswered, busy or failed: \(fallback)"
            }
            lines.append(text)
        }
        if let messaging = explanation.messaging {
            var text =
                messaging.messagingServiceSid.map {
                    "   Messages: sent through messaging service \($0) (its A2P 10DLC registration: switchboard health)"
                } ?? "   Messages: sent straight from the company's numbers (no messaging service)"
            text +=
                messaging.whatsAppSenders.isEmpty
                ? "; no WhatsApp sender" : "; WhatsApp senders \(messaging.whatsAppSenders.joined(separator: ", "))"
            if messaging.smsForwardChannel != "sms" { text += "; forwards go on \(messaging.smsForwardChannel)" }
            lines.append(text)
        }
        if let told = explanation.notifications {
            var text = "   Voicemail: \(told.transcribeVoicemail ? "transcribed" : "not transcribed")"
            if told.notifyOn.isEmpty {
                text += "; nobody is told of voicemails or missed calls"
                if told.notifySms.isEmpty && told.notifyEmail.isEmpty { text += " (no notifySms or notifyEmail)" }
            } else {
                let whom = (told.notifySms + told.notifyEmail).joined(separator: ", ")
                text += "; \(told.notifyOn.joined(separator: " and ")) told to \(whom)"
            }
            lines.append(text)
        }
        if let twilio = explanation.twilio {
            lines.append("6. Twilio: voice \(twilio.voice), sms \(twilio.sms): \(twilio.detail)")
        }
        lines.append("TwiML: \(explanation.twiml)")
        lines.append("Result: \(explanation.outcome)")
        return lines.joined(separator: "\n")
    }
}
