import SwitchboardBase
import SwitchboardCore
import TwilioREST

/// This deployment's webhook URLs: where each company's numbers must send their calls
/// and messages.
///
/// | variable | meaning |
/// |---|---|
/// | `SWITCHBOARD_VOICE_URL` | Voice's URL exactly as Twilio should call it (e.g. its Lambda Function URL, trailing `/` included: Twilio signs the URL as configured) |
/// | `SWITCHBOARD_SMS_URL` | SMS's URL, likewise |
/// | `SWITCHBOARD_PUBLIC_URL` | otherwise: this base + `/api/twilio/voice` and `/api/twilio/sms` |
/// | `SWITCHBOARD_VOICE_FALLBACK_URL` / `SWITCHBOARD_SMS_FALLBACK_URL` | optional: where Twilio turns when the primary URL fails (the template sets the public URL's routes, when it has one, while the primary is the Function URL, so one front door failing is not an outage) |
public struct WebhookTargets: Sendable, Equatable {
    public let voiceURL: String
    public let smsURL: String
    /// Twilio's `VoiceFallbackUrl` and `SmsFallbackUrl`, when set.
    public var voiceFallbackURL: String?
    public var smsFallbackURL: String?

    public init(voiceURL: String, smsURL: String, voiceFallbackURL: String? = nil, smsFallbackURL: String? = nil) {
        self.voiceURL = voiceURL
        self.smsURL = smsURL
        self.voiceFallbackURL = voiceFallbackURL
        self.smsFallbackURL = smsFallbackURL
    }

    /// Where Twilio posts how a call of the company `id` ended: Voice's status route
    /// (`…/api/twilio/voice/status`, beside the Voice URL, or under a Function URL that
    /// takes every path) with the company named, as status callbacks must be.
    public func voiceStatusURL(companyID id: CompanyID) -> String {
        Self.statusURL(beside: voiceURL, route: "/api/twilio/voice", companyID: id)
    }

    /// Where Twilio posts how a message of the company `id` went: SMS's status route,
    /// likewise.
    public func smsStatusURL(companyID id: CompanyID) -> String {
        Self.statusURL(beside: smsURL, route: "/api/twilio/sms", companyID: id)
    }

    private static func statusURL(beside url: String, route: String, companyID id: CompanyID) -> String {
        var base = url
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        if base.hasSuffix(route) { base.removeLast(route.count) }
        while base.hasSuffix("/") { base.removeLast() }
        return base + route + "/status?companyId=" + id.rawValue
    }

    /// The targets the environment names, or `nil` when it names none.
    ///
    /// - Throws: ``ConfigurationError`` for a URL that is not `http(s)://`, or only one
    ///   of the two function URLs without a public base.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> WebhookTargets? {
        func url(_ variable: String) throws(ConfigurationError) -> String? {
            guard let text = environment[variable] else { return nil }
            do { _ = try PublicBaseURL(text) } catch {
                throw ConfigurationError(variable: variable, problem: error.description)
            }
            return String(text.trimmingASCIIWhitespace())  // as given: the URL Twilio will sign
        }
        let base = try Settings.publicURL(environment)?.base
        let voice = try url("SWITCHBOARD_VOICE_URL") ?? base.map { $0 + "/api/twilio/voice" }
        let sms = try url("SWITCHBOARD_SMS_URL") ?? base.map { $0 + "/api/twilio/sms" }
        // Checked whether or not the primary URLs are known: a wrong one stops the start.
        let voiceFallback = try url("SWITCHBOARD_VOICE_FALLBACK_URL")
        let smsFallback = try url("SWITCHBOARD_SMS_FALLBACK_URL")
        switch (voice, sms) {
        case (let voice?, let sms?):
            return WebhookTargets(
                voiceURL: voice, smsURL: sms, voiceFallbackURL: voiceFallback, smsFallbackURL: smsFallback)
        case (nil, nil) where voiceFallback != nil || smsFallback != nil:
            throw ConfigurationError(
                variable: voiceFallback != nil ? "SWITCHBOARD_VOICE_FALLBACK_URL" : "SWITCHBOARD_SMS_FALLBACK_URL",
                problem:
                    "is set, but this deployment's own URLs are not; set SWITCHBOARD_PUBLIC_URL (or SWITCHBOARD_VOICE_URL and SWITCHBOARD_SMS_URL) too"
            )
        case (nil, nil): return nil
        case (nil, _):
            throw ConfigurationError(
                variable: "SWITCHBOARD_VOICE_URL",
                problem: "is not set, but SWITCHBOARD_SMS_URL is; set both, or SWITCHBOARD_PUBLIC_URL")
        case (_, nil):
            throw ConfigurationError(
                variable: "SWITCHBOARD_SMS_URL",
                problem: "is not set, but SWITCHBOARD_VOICE_URL is; set both, or SWITCHBOARD_PUBLIC_URL")
        }
    }
}

/// Points each of a company's active numbers at this deployment's Voice and SMS URLs
/// (method POST) on Twilio, its calls' status callback at Voice's status route with the
/// company's id (so how each call ended joins its record), and its fallback URLs when
/// this deployment has them, and says per number what it changed — the step of the
/// original set-up checklist people got wrong most.
public struct WebhookSetup {
    /// What happened to one number.
    public struct NumberReport: Encodable, Sendable, Equatable {
        public let phoneNumber: String
        /// `updated`, `unchanged`, `not-found` (the account does not own it) or `failed`.
        public let result: String
        /// The settings that were changed (`VoiceUrl`, `VoiceMethod`, `SmsUrl`, `SmsMethod`,
        /// `StatusCallback`, `StatusCallbackMethod`, `VoiceFallbackUrl`, `SmsFallbackUrl`).
        public let changed: [String]
        /// A note for a person: why it failed, or what else takes the number's traffic.
        public let note: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(phoneNumber, forKey: .phoneNumber)
            try c.encode(result, forKey: .result)
            try c.encode(changed, forKey: .changed)
            try c.encode(note, forKey: .note)
        }
        enum CodingKeys: String, CodingKey { case phoneNumber, result, changed, note }
    }

    private let client: TwilioRESTClient
    private let targets: WebhookTargets

    public init(client: TwilioRESTClient, targets: WebhookTargets) {
        self.client = client
        self.targets = targets
    }

    /// Configures every active number of `company` with `credentials`.
    public func configure(_ company: Company, credentials: TwilioCredentials) -> [NumberReport] {
        let statusCallback = targets.voiceStatusURL(companyID: company.id)
        return company.numberClaims.filter(\.isActive).map { claim in
            configure(claim.number, statusCallback: statusCallback, credentials: credentials)
        }
    }

    private func configure(_ number: PhoneNumber, statusCallback: String, credentials: TwilioCredentials)
        -> NumberReport
    {
        let found: TwilioIncomingNumber
        do {
            guard let first = try client.incomingPhoneNumbers(credentials, number: number).first else {
                return NumberReport(
                    phoneNumber: number.e164, result: "not-found", changed: [],
                    note: "Twilio account \(credentials.accountSid) does not own this number")
            }
            found = first
        } catch {
            return NumberReport(phoneNumber: number.e164, result: "failed", changed: [], note: error.description)
        }
        var routing = IncomingNumberRouting()
        var changed: [String] = []
        if found.voiceUrl != targets.voiceURL {
            routing.voiceURL = targets.voiceURL
            changed.append("VoiceUrl")
        }
        if found.voiceMethod?.uppercased() != "POST" {
            routing.voiceMethod = "POST"
            changed.append("VoiceMethod")
        }
        if found.smsUrl != targets.smsURL {
            routing.smsURL = targets.smsURL
            changed.append("SmsUrl")
        }
        if found.smsMethod?.uppercased() != "POST" {
            routing.smsMethod = "POST"
            changed.append("SmsMethod")
        }
        if found.statusCallback != statusCallback {
            routing.statusCallback = statusCallback
            changed.append("StatusCallback")
        }
        if let fallback = targets.voiceFallbackURL, found.voiceFallbackUrl != fallback {
            routing.voiceFallbackURL = fallback
            routing.voiceFallbackMethod = "POST"
            changed.append("VoiceFallbackUrl")
        }
        if let fallback = targets.smsFallbackURL, found.smsFallbackUrl != fallback {
            routing.smsFallbackURL = fallback
            routing.smsFallbackMethod = "POST"
            changed.append("SmsFallbackUrl")
        }
        if found.statusCallbackMethod?.uppercased() != "POST" {
            routing.statusCallbackMethod = "POST"
            changed.append("StatusCallbackMethod")
        }
        let note = Self.override(found)
        guard !changed.isEmpty else {
            return NumberReport(phoneNumber: number.e164, result: "unchanged", changed: [], note: note)
        }
        do {
            _ = try client.updateIncomingPhoneNumber(credentials, sid: found.sid, routing: routing)
        } catch {
            return NumberReport(phoneNumber: number.e164, result: "failed", changed: [], note: error.description)
        }
        return NumberReport(phoneNumber: number.e164, result: "updated", changed: changed, note: note)
    }

    /// What takes the number's traffic instead of its URLs, if anything.
    static func override(_ number: TwilioIncomingNumber) -> String? {
        var notes: [String] = []
        if let app = number.voiceApplicationSid, !app.isEmpty {
            notes.append(
                "TwiML app \(app) takes this number's calls; remove it in Twilio's console or VoiceUrl is not used")
        }
        if let trunk = number.trunkSid, !trunk.isEmpty {
            notes.append("SIP trunk \(trunk) takes this number's calls; remove it or VoiceUrl is not used")
        }
        if let app = number.smsApplicationSid, !app.isEmpty {
            notes.append("TwiML app \(app) takes this number's messages; remove it or SmsUrl is not used")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }
}
