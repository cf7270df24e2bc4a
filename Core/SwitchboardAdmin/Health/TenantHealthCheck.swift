import Dispatch
import SwitchboardCore
import Synchronization
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks one company against its own Twilio account: the account is active and takes
/// its credentials, and each active number is in the account with its webhooks pointing
/// at this deployment. The sweep and `GET /api/companies/{companyId}/health` share it.
///
/// Two requests per company, at once: the account, and one listing of the account's
/// numbers (a page of 1,000; a number not on a full page is asked for by itself). Each is
/// bounded by `SWITCHBOARD_TWILIO_TIMEOUT_MS`, so a check never takes much longer.
///
/// What it finds, as statuses:
/// - `NOT_CONFIGURED`: no Account SID or no auth token; Twilio is not asked.
/// - `DOWN`: the token cannot be opened, Twilio refuses the credentials, the account is
///   not active, Twilio does not answer, or a number is missing from the account or its
///   webhooks do not reach this deployment (calls or messages to it are lost).
/// - `DEGRADED`: the account answers slowly, the numbers could not be listed, or this
///   deployment's URLs are not set, so the numbers' URLs could not be compared.
/// - For a company whose webhooks are signed with a SharedKey, each of its signing Rules
///   must still exist and name Switchboard's Setting (one more request per Rule): if not,
///   Twilio signs with the auth token again — `DEGRADED`, or `DOWN` when the company
///   requires its SharedKey (every webhook is then refused).
/// - For a company that sends through a messaging service, the service must still be in
///   its account, and, when the company has US numbers, registered for A2P 10DLC
///   (`us_app_to_person_registered`); if not, `DEGRADED` (one more request): its texts
///   fail, or US carriers filter them, though calls and inbound messages still work.
/// - `HEALTHY` otherwise.
public struct TenantHealthCheck: Sendable {
    /// The two clients one check uses at once; a sweep's worker keeps its own pair, so
    /// their connections stay open from one company to the next. Each client is used by
    /// one thread at a time: the account's by the check's, the numbers' by its helper.
    public final class Clients: @unchecked Sendable {
        let account: TwilioRESTClient
        let numbers: TwilioRESTClient
        private let abandoned = Atomic(false)

        public init(settings: TwilioRESTSettings) throws(TwilioRESTError) {
            account = try TwilioRESTClient(settings: settings)
            numbers = try TwilioRESTClient(settings: settings)
        }

        /// True when a check stopped waiting for the numbers' client, which may still be
        /// in use by its thread: these clients must not be used again.
        public var isAbandoned: Bool { abandoned.load(ordering: .acquiring) }

        func abandon() { abandoned.store(true, ordering: .releasing) }
    }

    let settings: HealthSettings
    let sealer: SecretSealer

    public init(settings: HealthSettings, sealer: SecretSealer) {
        self.settings = settings
        self.sealer = sealer
    }

    /// Checks `company` with `clients`; the record is stamped with the time it finished.
    public func check(_ company: Company, clients: Clients) -> CompanyHealthRecord {
        let start = ContinuousClock.now
        var record = CompanyHealthRecord.unchecked(company)
        record.due = false
        guard company.hasTwilioCredentials else {
            record.status = .notConfigured
            record.account = CompanyHealthRecord.Account(
                status: nil, message: "no Account SID or auth token: Twilio is not asked")
            return finished(record, start: start)
        }
        guard let credentials = HealthChecker.credentials(of: company, sealer: sealer) else {
            record.status = .down
            record.problems = [
                "its auth token cannot be opened with this deployment's data key (SWITCHBOARD_DATA_KEY): save the token again, or reseal the store with the key that sealed it"
            ]
            record.account = CompanyHealthRecord.Account(
                status: nil, message: "not asked: the auth token cannot be opened")
            return finished(record, start: start)
        }

        // The account and the numbers at once.
        let listing = NumberListing()
        let group = DispatchGroup()
        BlockingThread.start(in: group) {
            let result = Result { () throws(TwilioRESTError) in try clients.numbers.incomingPhoneNumbers(credentials) }
            listing.result.withLock { $0 = result }
        }
        let accountStart = ContinuousClock.now
        let account = Result { () throws(TwilioRESTError) in try clients.account.fetchAccount(credentials) }
        let accountLatency = HealthChecker.milliseconds(ContinuousClock.now - accountStart)
        // The listing is bounded by its own timeout; this wait only guards a stuck one.
        if group.wait(timeout: .now() + .milliseconds(clients.numbers.settings.timeoutMilliseconds + 1_000))
            == .timedOut
        {
            clients.abandon()
        }

        var problems: [String] = []
        var status = HealthStatus.healthy
        switch account {
        case .failure(let failure):
            status = .down
            let why =
                failure.isAuthenticationFailure
                ? "Twilio refused its credentials (HTTP 401): the auth token was regenerated or is wrong; save the new one"
                : "its Twilio account could not be checked: \(failure)"
            record.account = CompanyHealthRecord.Account(status: nil, message: why, latencyMs: accountLatency)
            problems.append(why)
        case .success(let found) where !found.isActive:
            status = .down
            let why = "its Twilio account is \(found.status): calls and messages to its numbers are refused by Twilio"
            record.account = CompanyHealthRecord.Account(status: found.status, message: why, latencyMs: accountLatency)
            problems.append(why)
        case .success(let found):
            let slow = accountLatency > Double(settings.slowMilliseconds)
            record.account = CompanyHealthRecord.Account(
                status: found.status,
                message: slow
                    ? "the account is active; Twilio answered slowly (over \(settings.slowMilliseconds) ms)"
                    : "the account is active",
                latencyMs: accountLatency)
            if slow {
                status = .degraded
                problems.append("Twilio answered slowly (over \(settings.slowMilliseconds) ms)")
            }
        }

        if status != .down {
            let claims = company.numberClaims.filter(\.isActive)
            switch listing.result.withLock({ $0 }) {
            case .success(let numbers)?:
                for claim in claims {
                    let routing = routing(
                        of: claim.number, company: company.id, listed: numbers, credentials: credentials,
                        client: clients.numbers)
                    record.numbers.append(routing)
                    guard let action = routing.action else { continue }
                    problems.append("\(claim.number): \(action)")
                    // Calls and messages lost: DOWN. Only the outcomes or the fallback missing,
                    // or the number unreadable: DEGRADED.
                    let lost = [routing.voice, routing.sms].contains { $0 != "ok" && $0 != "unknown" }
                    status = lost ? .down : max(status, .degraded)
                }
            case .failure(let failure)?:
                status = max(status, .degraded)
                problems.append("its numbers could not be listed: \(failure)")
            case nil:
                status = max(status, .degraded)
                problems.append("its numbers could not be listed: Twilio did not answer in time")
            }
            if let problem = signingProblem(company, client: clients.account, fallback: credentials) {
                status = company.twilio.requireSharedKey ? .down : max(status, .degraded)
                problems.append(problem)
            }
            if let sid = company.twilio.messagingServiceSid {
                let finding = Self.messagingService(sid, of: company, client: clients.account, credentials: credentials)
                record.messagingService = finding
                if finding.exists == false || (finding.usAppToPersonRegistered == false && company.hasUSNumbers) {
                    status = max(status, .degraded)
                    problems.append(finding.message)
                }
            }
            if settings.targets == nil && !record.numbers.isEmpty {
                status = max(status, .degraded)
                problems.append(
                    "this deployment's webhook URLs are not set (SWITCHBOARD_PUBLIC_URL), so the numbers' URLs could not be compared with them"
                )
            }
        }
        record.status = status
        record.problems = problems
        return finished(record, start: start)
    }

    /// What is wrong with how Twilio signs the company's webhooks, if anything: a signing
    /// Rule gone, or naming another Setting. Asked with the API key when the company has
    /// one (the configuration API's own advice), else with `fallback`.
    private func signingProblem(_ company: Company, client: TwilioRESTClient, fallback: TwilioCredentials) -> String? {
        guard let key = company.twilio.webhookSharedKey, let setting = key.settingId, !key.ruleIds.isEmpty else {
            return nil
        }
        var credentials = fallback
        if let account = company.twilio.accountSid, let apiKey = company.twilio.apiKey,
            let sealed = company.twilio.apiSecret,
            let secret = try? sealer.open(sealed, companyID: company.id.rawValue, field: .apiSecret)
        {
            credentials = TwilioCredentials(accountSid: account, apiKey: apiKey, apiSecret: secret)
        }
        let effect =
            company.twilio.requireSharedKey
            ? "Twilio signs its webhooks with the auth token again, and it requires the shared key: every webhook is refused"
            : "Twilio signs its webhooks with the auth token again"
        for id in key.ruleIds {
            do {
                guard let rule = try client.fetchRule(credentials, id: id) else {
                    return
                        "its webhook signing Rule \(id) is gone: \(effect); run switchboard signing rotate (or disable)"
                }
                guard rule.settings?.contains(where: { $0.settingId == setting }) == true else {
                    return
                        "its webhook signing Rule \(id) no longer names Switchboard's Setting \(setting): \(effect); run switchboard signing rotate"
                }
            } catch {
                return "its webhook signing Rule \(id) could not be checked: \(error)"
            }
        }
        return nil
    }

    /// What Twilio says of the company's messaging service `sid`.
    static func messagingService(
        _ sid: String, of company: Company, client: TwilioRESTClient, credentials: TwilioCredentials
    ) -> CompanyHealthRecord.MessagingService {
        do {
            let found = try client.messagingService(credentials, sid: sid)
            let registered = found.usAppToPersonRegistered
            let message =
                registered == false
                ? (company.hasUSNumbers
                    ? "its messaging service \(sid) is not registered for A2P 10DLC: US carriers filter or block its texts; register a campaign in the Twilio console"
                    : "its messaging service \(sid) is not registered for A2P 10DLC (needed only for US numbers)")
                : "its messaging service \(sid) exists\(registered == true ? " and is registered for A2P 10DLC" : "")"
            return .init(sid: sid, exists: true, usAppToPersonRegistered: registered, message: message)
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 {
                return .init(
                    sid: sid, exists: false, usAppToPersonRegistered: nil,
                    message:
                        "its messaging service \(sid) is gone from its Twilio account: its texts are refused; set another one or remove messagingServiceSid"
                )
            }
            return .init(
                sid: sid, exists: true, usAppToPersonRegistered: nil,
                message: "its messaging service \(sid) could not be checked: \(error)")
        }
    }

    /// `record` stamped with when the check finished and how long it took.
    private func finished(_ record: CompanyHealthRecord, start: ContinuousClock.Instant) -> CompanyHealthRecord {
        var record = record
        record.checkedAt = Timestamp.format(Date())
        record.durationMs = (HealthChecker.milliseconds(ContinuousClock.now - start) * 10).rounded() / 10
        return record
    }

    /// How Twilio routes `number`, from the listing or, when the listing was a full page
    /// without it, from a lookup of its own.
    private func routing(
        of number: PhoneNumber, company: CompanyID, listed: [TwilioIncomingNumber], credentials: TwilioCredentials,
        client: TwilioRESTClient
    ) -> NumberRouting {
        var found = listed.first { (try? PhoneNumber(parsing: $0.phoneNumber)) == number }
        if found == nil && listed.count >= 1_000 {
            do { found = try client.incomingPhoneNumbers(credentials, number: number).first } catch {
                return NumberRouting(
                    phoneNumber: number.e164, voice: "unknown", sms: "unknown",
                    action: "Twilio could not be asked: \(error)")
            }
        }
        guard let found else {
            return NumberRouting(
                phoneNumber: number.e164, voice: "not_found", sms: "not_found",
                action: "the Twilio account does not own this number: release it here, or add it to the account")
        }
        let targets = settings.targets
        let voice = HealthChecker.finding(
            url: found.voiceUrl, method: found.voiceMethod, target: targets?.voiceURL,
            overriddenBy: [found.voiceApplicationSid, found.trunkSid])
        let sms = HealthChecker.finding(
            url: found.smsUrl, method: found.smsMethod, target: targets?.smsURL, overriddenBy: [found.smsApplicationSid]
        )
        var actions: [String] = []
        if let action = HealthChecker.advice(voice, kind: "Voice", target: targets?.voiceURL) { actions.append(action) }
        if let action = HealthChecker.advice(sms, kind: "SMS", target: targets?.smsURL) { actions.append(action) }
        var outcomes = "unknown"
        if let targets {
            let wanted = targets.voiceStatusURL(companyID: company)
            outcomes = Self.statusCallbackFinding(found, wanted: wanted)
            if outcomes != "ok" {
                actions.append(
                    "how its calls end is not reported to this deployment: set its call status callback to \(wanted) (HTTP POST), or PUT the company's config with ?configureWebhooks=true"
                )
            }
            if let fallback = targets.voiceFallbackURL, found.voiceFallbackUrl != fallback {
                actions.append(
                    "its Voice fallback URL is not \(fallback): PUT the company's config with ?configureWebhooks=true")
            }
            if let fallback = targets.smsFallbackURL, found.smsFallbackUrl != fallback {
                actions.append(
                    "its SMS fallback URL is not \(fallback): PUT the company's config with ?configureWebhooks=true")
            }
        }
        return NumberRouting(
            phoneNumber: number.e164, voice: voice, sms: sms, statusCallback: outcomes,
            action: actions.isEmpty ? nil : actions.joined(separator: "; "))
    }

    /// `ok`, `not_set`, `url_mismatch` or `wrong_method`: whether the number reports how
    /// its calls end to `wanted`.
    static func statusCallbackFinding(_ number: TwilioIncomingNumber, wanted: String) -> String {
        guard let url = number.statusCallback, !url.isEmpty else { return "not_set" }
        if url != wanted { return "url_mismatch" }
        if (number.statusCallbackMethod ?? "POST").uppercased() != "POST" { return "wrong_method" }
        return "ok"
    }
}

/// The numbers listing, written by its own thread and read once that thread is done.
private final class NumberListing: Sendable {
    let result = Mutex<Result<[TwilioIncomingNumber], TwilioRESTError>?>(nil)
}
