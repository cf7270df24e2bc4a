import Dispatch
import SwitchboardCore
import SwitchboardJSON
import Synchronization
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks Switchboard's dependencies — the directory, the cache, Twilio. Each company's
/// own account is checked by ``TenantHealthCheck``, a company at a time or by the
/// rolling ``HealthSweep``; their results are stored, not recomputed here.
///
/// Every check runs on a thread of its own, at the same time as the others, with its own
/// bound; the whole run answers within ``HealthSettings/deadlineMilliseconds`` even when
/// every dependency hangs, and a check that ran out of time says so. Nothing it answers
/// holds a token, a password or a URI's credentials.
///
/// Twilio is checked as the earlier system checked it, then better: with the global
/// credentials when both are set; otherwise with a company's (the one with both an
/// Account SID and an auth token that was configured first: earliest `lastUpdated`, then
/// id, found by an indexed query that reads one document); otherwise `NOT_CONFIGURED`,
/// not critical.
public final class HealthChecker: @unchecked Sendable {
    private let settings: HealthSettings
    private let probe: DirectoryProbe
    private let storeDescription: String
    private let sealer: SecretSealer
    /// A directory this check may read from its own thread.
    private let directory: @Sendable () throws -> any TenantDirectory

    /// - Parameters:
    ///   - probe: asks the directory whether it answers.
    ///   - storeDescription: where the directory is, without credentials.
    ///   - directory: opens (or lends) a directory readable from a check's thread.
    public init(
        settings: HealthSettings, probe: DirectoryProbe, storeDescription: String, sealer: SecretSealer,
        directory: @escaping @Sendable () throws -> any TenantDirectory
    ) {
        self.settings = settings
        self.probe = probe
        self.storeDescription = storeDescription
        self.sealer = sealer
        self.directory = directory
    }

    /// The checker of the store `services` opened.
    public convenience init(services: AdminServices, settings: HealthSettings) {
        self.init(store: services.store, sealer: services.sealer, settings: settings)
    }

    /// The checker of `store`: each check reads through a directory the store lends to
    /// another thread (MongoDB's thread-safe pool, or an embedded connection of its own).
    public convenience init(store: any SwitchboardStore, sealer: SecretSealer, settings: HealthSettings) {
        let lent = LentStore(store: store)
        self.init(
            settings: settings, probe: store.probe, storeDescription: store.location.withoutCredentials,
            sealer: sealer, directory: { try lent.store.directoryForAnotherThread() })
    }

    /// Runs every check of the platform's dependencies.
    public func check(now: Date = Date()) -> HealthReport {
        let deadline = DispatchTime.now() + .milliseconds(settings.deadlineMilliseconds)
        let results = Results()
        let group = DispatchGroup()
        func run(_ name: String, _ check: @escaping @Sendable () -> DependencyHealth) {
            DispatchQueue.global().async(group: group) {
                let result = check()
                results.store(name, result)
            }
        }
        run("directory") { self.checkDirectory() }
        run("cache") { self.checkCache() }
        run("twilio") { self.checkTwilio(deadline: deadline) }
        _ = group.wait(timeout: deadline)

        var dependencies = results.all
        let outOfTime =
            "did not answer within the health check's \(settings.deadlineMilliseconds) ms (SWITCHBOARD_HEALTH_DEADLINE_MS)"
        if dependencies["directory"] == nil {
            dependencies["directory"] = DependencyHealth(
                status: .down, critical: true, message: "the directory \(outOfTime)", details: directoryDetails)
        }
        if dependencies["cache"] == nil {
            dependencies["cache"] = DependencyHealth(
                status: .degraded, critical: false,
                message: "Redis \(outOfTime); calls still route through the directory")
        }
        if dependencies["twilio"] == nil {
            dependencies["twilio"] = DependencyHealth(status: .down, critical: true, message: "Twilio \(outOfTime)")
        }
        return HealthReport(dependencies: dependencies, checkedAt: Timestamp.format(now))
    }

    // MARK: The checks

    private var directoryDetails: [String: JSONValue] {
        ["backend": .string(probe.backend), "store": .string(storeDescription)]
    }

    private func checkDirectory() -> DependencyHealth {
        let (latency, error) = Self.timed { () throws(DirectoryError) in try probe.run() }
        let what = probe.backend == "mongodb" ? "MongoDB" : "the embedded store"
        if let error {
            return DependencyHealth(
                status: .down, critical: true, message: "\(what) does not answer: \(error)", latencyMs: latency,
                details: directoryDetails)
        }
        let slow = latency > Double(settings.slowMilliseconds)
        return DependencyHealth(
            status: slow ? .degraded : .healthy, critical: true,
            message: slow ? "\(what) answers, slowly" : "\(what) answers", latencyMs: latency, details: directoryDetails
        )
    }

    private func checkCache() -> DependencyHealth {
        guard let cache = settings.cache else {
            return DependencyHealth(
                status: .notConfigured, critical: false,
                message: "Redis not configured (REDIS_URL is not set): lookups go to the directory")
        }
        let probe = RedisProbe(settings: cache)
        let (latency, error) = Self.timed { () throws(RedisProbe.Failure) in try probe.run() }
        let details: [String: JSONValue] = [
            "endpoint": .string(probe.endpoint), "transportSecurity": .string(cache.transportSecurity),
        ]
        if let error {
            return DependencyHealth(
                status: .degraded, critical: false,
                message: "Redis does not answer (\(error)); calls still route through the directory",
                latencyMs: latency, details: details)
        }
        return DependencyHealth(
            status: .healthy, critical: false, message: "Redis answers", latencyMs: latency, details: details)
    }

    private func checkTwilio(deadline: DispatchTime) -> DependencyHealth {
        let credentials: TwilioCredentials
        let source: String
        if let global = settings.globalCredentials {
            credentials = global
            source = "global"
        } else {
            let chosen: (company: Company, credentials: TwilioCredentials)?
            do { chosen = try credentialCompany() } catch {
                return DependencyHealth(
                    status: .down, critical: true, message: "no company could be read to check Twilio with: \(error)",
                    details: ["credentialSource": .null])
            }
            guard let chosen else {
                return DependencyHealth(
                    status: .notConfigured, critical: false, message: "Twilio not configured (per-company system)",
                    details: ["credentialSource": .null])
            }
            credentials = chosen.credentials
            source = "company:\(chosen.company.name)"
        }
        var health = checkAccount(credentials, deadline: deadline)
        health.critical = true
        health.details["credentialSource"] = .string(source)
        return health
    }

    /// The company whose credentials the Twilio check uses: both an Account SID and an
    /// auth token this process can open, earliest `lastUpdated` (none counts as
    /// earliest), then id. The directory's index gives the candidates in that order; the
    /// first few are read in case a token cannot be opened with this deployment's key.
    func credentialCompany() throws -> (company: Company, credentials: TwilioCredentials)? {
        for company in try directory().companiesWithTwilioCredentials(limit: 8) {
            if let credentials = Self.credentials(of: company, sealer: sealer) { return (company, credentials) }
        }
        return nil
    }

    public static func credentials(of company: Company, sealer: SecretSealer) -> TwilioCredentials? {
        guard let sid = company.twilio.accountSid, !sid.isEmpty, let sealed = company.twilio.authToken,
            let token = try? sealer.open(sealed, companyID: company.id.rawValue, field: .authToken)
        else { return nil }
        return TwilioCredentials(accountSid: sid, authToken: token)
    }

    /// One account fetch: `HEALTHY` when active, `DEGRADED` when slower than the slow
    /// bound, `DOWN` when it fails, times out, is refused or the account is not active.
    private func checkAccount(_ credentials: TwilioCredentials, deadline: DispatchTime) -> DependencyHealth {
        var rest = settings.twilio
        rest.timeoutMilliseconds = max(1, min(rest.timeoutMilliseconds, Self.millisecondsLeft(until: deadline) - 50))
        let start = ContinuousClock.now
        var account: TwilioAccount?
        var failure: TwilioRESTError?
        do {
            account = try TwilioRESTClient(settings: rest).fetchAccount(credentials)
        } catch {
            failure = error
        }
        let latency = Self.milliseconds(ContinuousClock.now - start)
        if let failure {
            let why = failure.isAuthenticationFailure ? "Twilio refused the credentials (HTTP 401)" : "\(failure)"
            return DependencyHealth(
                status: .down, critical: true, message: why, latencyMs: latency, details: ["accountStatus": .null])
        }
        let status = account?.status ?? "unknown"
        guard account?.isActive == true else {
            return DependencyHealth(
                status: .down, critical: true, message: "the Twilio account is \(status)", latencyMs: latency,
                details: ["accountStatus": .string(status)])
        }
        let slow = latency > Double(settings.slowMilliseconds)
        return DependencyHealth(
            status: slow ? .degraded : .healthy, critical: true,
            message: slow
                ? "Twilio answers, slowly (over \(settings.slowMilliseconds) ms)"
                : "Twilio answers; the account is active",
            latencyMs: latency, details: ["accountStatus": .string(status)])
    }

    /// `ok`, `not_set`, `url_mismatch`, `wrong_method` or `overridden`.
    public static func finding(url: String?, method: String?, target: String?, overriddenBy overrides: [String?])
        -> String
    {
        if overrides.contains(where: { !($0 ?? "").isEmpty }) { return "overridden" }
        guard let url, !url.isEmpty else { return "not_set" }
        if let target, url != target { return "url_mismatch" }
        if (method ?? "POST").uppercased() != "POST" { return "wrong_method" }
        return "ok"
    }

    public static func advice(_ finding: String, kind: String, target: String?) -> String? {
        let fix =
            target.map {
                "set its \(kind) URL to \($0) (HTTP POST), or PUT the company's config with ?configureWebhooks=true"
            }
            ?? "point its \(kind) URL at this deployment (HTTP POST)"
        switch finding {
        case "ok": return nil
        case "not_set": return "no \(kind) URL is set, so Twilio has nowhere to send it: \(fix)"
        case "url_mismatch": return "its \(kind) URL points somewhere else: \(fix)"
        case "wrong_method": return "its \(kind) URL is called with GET: switch it to HTTP POST"
        case "overridden":
            return
                "a TwiML app or SIP trunk takes its \(kind == "Voice" ? "calls" : "messages"), so the \(kind) URL is never used: remove it in Twilio's console"
        default: return nil
        }
    }

    // MARK: Timing

    static func timed<E: Error>(_ body: () throws(E) -> Void) -> (Double, E?) {
        let start = ContinuousClock.now
        do {
            try body()
            return (milliseconds(ContinuousClock.now - start), nil)
        } catch {
            return (milliseconds(ContinuousClock.now - start), error)
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    static func millisecondsLeft(until deadline: DispatchTime) -> Int {
        let now = DispatchTime.now().uptimeNanoseconds
        return deadline.uptimeNanoseconds > now ? Int((deadline.uptimeNanoseconds - now) / 1_000_000) : 0
    }
}

/// The store, lent to the checks' threads only to hand out a directory for another thread,
/// which each backend makes safe to do (``SwitchboardStore/directoryForAnotherThread()``).
private struct LentStore: @unchecked Sendable {
    let store: any SwitchboardStore
}

/// The dependencies' results as their threads finish.
private final class Results: Sendable {
    private let values = Mutex<[String: DependencyHealth]>([:])
    func store(_ name: String, _ value: DependencyHealth) { values.withLock { $0[name] = value } }
    var all: [String: DependencyHealth] { values.withLock { $0 } }
}
