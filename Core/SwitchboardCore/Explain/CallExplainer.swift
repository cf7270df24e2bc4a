#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a number routes where it does: what Voice would do with a call to it right now,
/// and the reason for each step — the question an operator asks at 2 a.m., answered in
/// one command (`switchboard explain`). It only reads: the directory, the cache, and
/// whether each secret opens (never what it holds).
public struct CallExplainer {
    private let directory: any TenantDirectory
    private let cache: RedisTenantCache?
    private let sealer: SecretSealer
    private let planner: VoiceCallPlanner

    public init(
        directory: any TenantDirectory, cache: RedisTenantCache?, sealer: SecretSealer, planner: VoiceCallPlanner
    ) {
        self.directory = directory
        self.cache = cache
        self.sealer = sealer
        self.planner = planner
    }

    /// Explains a call to `text` (any spelling Voice accepts).
    ///
    /// - Parameters:
    ///   - callSid: the `CallSid` the TwiML carries (ai-agent mode passes it on).
    ///   - voiceURL: Voice's own URL, which callbacks point at.
    ///   - caller: the caller's number (`From`), checked against the company's blocklist.
    ///   - now: the instant the call arrives, when the company's hours are read.
    /// - Throws: ``DirectoryError`` when the directory cannot be read.
    public func explain(
        _ text: String, callSid: String, voiceURL: String, caller: String? = nil, now: Date = Date()
    ) throws(DirectoryError) -> CallExplanation {
        var explanation = CallExplanation(input: text)
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: text)
        } catch {
            explanation.numberProblem = "\(error)"
            explanation.twiml = VoiceCallPlanner.notConfigured
            explanation.outcome = "not a phone number: Voice answers \"not configured\""
            return explanation
        }
        explanation.e164 = number.e164

        // 2. The company the directory says answers it, or the near misses.
        let directorySnapshot = try directory.tenant(servingNumber: number)
        if let owner = directorySnapshot {
            // Which field holds the number is no webhook setting: the whole company says.
            let company = try directory.company(id: owner.companyID)
            let legacy = company?.twilio.phoneNumber.flatMap { try? PhoneNumber(parsing: $0) } == number
            explanation.company = .init(
                companyId: owner.companyID.rawValue, companyName: owner.companyName,
                matchedBy: legacy ? "the legacy phoneNumber field" : "an active entry of phoneNumbers")
            if let company {
                explanation.messaging = .init(
                    messagingServiceSid: company.twilio.messagingServiceSid,
                    whatsAppSenders: company.whatsAppSenders.map(\.e164),
                    smsForwardChannel: (company.twilio.smsForwardChannel ?? .whenAbsent).rawValue)
            }
        } else {
            explanation.nearMisses = try nearMisses(number)
        }

        // 3. What the cache holds, and whether it agrees.
        explanation.cache = cacheState(number, directory: directorySnapshot)

        // What Voice would resolve right now: the cache's answer when it has one.
        var effective = directorySnapshot
        var source = "the directory"
        switch explanation.cache.state {
        case "tenant":
            effective = explanation.cache.snapshot
            source = "the cache"
        case "no-tenant":
            effective = nil
            source = "the cache (a \"no such number\" entry)"
        default:
            break
        }
        explanation.resolvedFrom = source

        guard let tenant = effective else {
            explanation.twiml = VoiceCallPlanner.notConfigured
            explanation.outcome = "no company answers: Voice answers \"not configured\" (resolved from \(source))"
            return explanation
        }

        // 4. Whether the company's credentials can check Twilio's signature.
        let credentials = self.credentials(of: tenant, now: now)
        explanation.credentials = credentials

        // 5. The routing, with every fallback, and the exact TwiML.
        // The same decision Voice makes: one planner, one clock, one blocklist.
        let answer = planner.answer(tenant: tenant, callSid: callSid, voiceURL: voiceURL, caller: caller, at: now)
        let hours = answer.hours ?? OpeningDecision(tenant.settings, at: now)
        explanation.hours = .init(
            open: hours.isOpen, rule: hours.ruleName, timezone: tenant.timezone,
            localTime: hours.localTime?.description, instant: Timestamp.format(now), detail: hours.explanation)
        if let caller {
            explanation.caller = .init(
                from: caller, blocked: answer.blocked != nil,
                detail: answer.blocked.map { "refused: \($0); Voice rejects the call as busy" }
                    ?? "taken: the company does not block \(caller.prefix(64))")
        }
        let routed = VoiceCallPlanner.routed(tenant, at: now)
        let group = VoiceCallPlanner.ringGroup(of: routed)
        var routing = CallExplanation.Routing(
            storedMode: tenant.callRoutingMode?.rawValue, usedMode: answer.decision,
            fallback: answer.fallbackReason,
            agentStreamUrl: answer.mode == .aiAgent && answer.blocked == nil
                ? (routed.agentStreamUrl.flatMap { StreamURL.isValid($0) ? $0 : nil } ?? planner.platformAgentStreamURL)
                : nil,
            forwardNumber: answer.mode == .forward && answer.blocked == nil ? group.first?.e164 : nil,
            recordingEnabled: routed.recordingEnabled,
            whisper: routed.whisperMessage.map { !$0.isEmpty } ?? false,
            forwardFallback: answer.mode == .forward && answer.blocked == nil
                ? (routed.forwardFallback ?? .whenAbsent).rawValue : nil)
        if answer.mode == .forward && answer.blocked == nil {
            routing.ringGroup = group.map(\.e164)
            routing.forwardStrategy = (routed.forwardStrategy ?? .whenAbsent).rawValue
            routing.forwardRingSeconds = VoiceCallPlanner.ringSeconds(routed)
            routing.forwardScreening = routed.forwardScreening == true
        }
        explanation.routing = routing
        explanation.notifications = .init(
            transcribeVoicemail: tenant.transcribeVoicemail ?? true, notifySms: tenant.notifySms?.items ?? [],
            notifyEmail: tenant.notifyEmail?.items ?? [],
            notifyOn: AnnouncementSchedule.events(of: tenant.settings).map(\.rawValue).sorted { $0 > $1 })
        if !credentials.hasAccountSid || !credentials.hasAuthToken {
            explanation.twiml = VoiceCallPlanner.notConfigured
            explanation.outcome =
                "\(tenant.companyName) holds the number but has no Account SID or auth token: every call is answered \"not configured\""
        } else if !credentials.authToken.opens {
            explanation.twiml = VoiceCallPlanner.temporarilyUnavailable
            explanation.outcome =
                "\(tenant.companyName)'s auth token does not open with this deployment's data keys: calls hear \"try again later\""
        } else {
            explanation.twiml = answer.twiml
            if answer.blocked != nil {
                explanation.outcome =
                    "\(tenant.companyName) rejects this caller as busy (resolved from \(source)): not answered, not billed"
            } else {
                explanation.answered = true
                let when = hours.isOpen ? "" : " (after hours)"
                explanation.outcome =
                    "answered by \(tenant.companyName) in \(answer.mode.rawValue) mode\(when) (resolved from \(source)), when Twilio signs with its token"
            }
        }
        return explanation
    }

    // MARK: Near misses

    private func nearMisses(_ number: PhoneNumber) throws(DirectoryError) -> [CallExplanation.NearMiss] {
        var misses: [CallExplanation.NearMiss] = []
        for company in try directory.survey().companies {
            let stored =
                (company.twilio.phoneNumber.map { [($0, "phoneNumber", "active")] } ?? [])
                + company.twilio.phoneNumbers.enumerated().map {
                    ($1.phoneNumber, "phoneNumbers[\($0)]", $1.status ?? "no status")
                }
            for (spelling, field, status) in stored {
                guard let parsed = try? PhoneNumber(parsing: spelling) else { continue }
                if parsed == number {
                    if !directory.lookupFinds(number, storedAs: spelling) {
                        misses.append(
                            .init(
                                kind: "unmatched-spelling", companyId: company.id.rawValue, companyName: company.name,
                                stored: spelling,
                                detail:
                                    "stored as \"\(spelling.prefix(40))\", a spelling the lookup cannot match; `switchboard migrate --apply` stores it as \(number)"
                            ))
                    } else if status != "active" {
                        misses.append(
                            .init(
                                kind: "inactive-entry", companyId: company.id.rawValue, companyName: company.name,
                                stored: spelling,
                                detail:
                                    "\(field) holds it with status \"\(status.prefix(20))\": only active entries are answered"
                            ))
                    }
                } else if status == "active" && Self.differsByOneDigit(parsed.e164, number.e164) {
                    misses.append(
                        .init(
                            kind: "similar-number", companyId: company.id.rawValue, companyName: company.name,
                            stored: spelling,
                            detail: "\(parsed) is configured, one digit away: did you mean it?"))
                }
            }
        }
        let order = ["unmatched-spelling": 0, "inactive-entry": 1, "similar-number": 2]
        return misses.enumerated().sorted {
            (order[$0.element.kind] ?? 3, $0.offset) < (order[$1.element.kind] ?? 3, $1.offset)
        }.map(\.element)
    }

    /// True when `a` and `b` differ in exactly one digit, or by two neighbouring digits
    /// swapped.
    static func differsByOneDigit(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        let differences = x.indices.filter { x[$0] != y[$0] }
        if differences.count == 1 { return true }
        if differences.count == 2, differences[1] == differences[0] + 1 {
            return x[differences[0]] == y[differences[1]] && x[differences[1]] == y[differences[0]]
        }
        return false
    }

    // MARK: The cache

    private func cacheState(_ number: PhoneNumber, directory snapshot: TenantSnapshot?) -> CallExplanation.CacheState {
        guard let cache else {
            return .init(
                state: "not-configured", detail: "no Redis cache (REDIS_URL is not set): Voice asks the directory")
        }
        let key = RedisTenantCache.key(for: number)
        let entry: RedisTenantCache.Entry
        let remaining: Int?
        do {
            entry = try cache.entry(key)
            remaining = try cache.remainingMilliseconds(key)
        } catch {
            return .init(
                state: "unreachable", detail: "Redis does not answer (\(error)): Voice falls back to the directory")
        }
        let seconds = remaining.map { ($0 + 999) / 1_000 }
        let expiry = seconds.map { " for \($0) more s" } ?? ""
        switch entry {
        case .absent:
            return .init(
                state: "absent", detail: "nothing cached: the next call asks the directory and caches its answer")
        case .leased:
            return .init(
                state: "leased", remainingSeconds: seconds, detail: "another process is filling this entry right now")
        case .noTenant:
            let agrees = snapshot == nil
            return .init(
                state: "no-tenant", remainingSeconds: seconds, agrees: agrees,
                detail: agrees
                    ? "cached as \"no such number\"\(expiry)"
                    : "STALE: cached as \"no such number\"\(expiry), but \(snapshot!.companyName) answers it now; calls hear \"not configured\" until it expires"
            )
        case .tenant(let cached):
            var detail = "holds \(cached.companyName) (\(cached.companyID))\(expiry)"
            var agrees = true
            if let snapshot, snapshot.companyID != cached.companyID {
                agrees = false
                detail =
                    "STALE: holds \(cached.companyName) (\(cached.companyID))\(expiry), but the directory says \(snapshot.companyName) (\(snapshot.companyID))"
            } else if snapshot == nil {
                agrees = false
                detail =
                    "STALE: holds \(cached.companyName)\(expiry), but no company answers the number in the directory"
            } else if snapshot != cached {
                agrees = false
                detail += ", with older settings than the directory's"
            }
            return .init(
                state: "tenant", companyId: cached.companyID.rawValue, remainingSeconds: seconds, agrees: agrees,
                detail: detail, snapshot: cached)
        }
    }

    // MARK: Credentials

    private func credentials(of tenant: TenantSnapshot, now: Date) -> CallExplanation.Credentials {
        let id = tenant.companyID.rawValue
        let token = tenant.authToken.map { sealer.keyStatus(of: $0, companyID: id, field: .authToken) }
        var previous: CallExplanation.PreviousToken?
        if let stored = tenant.authTokenPrevious, let expires = tenant.authTokenPreviousExpiresAt {
            let status = sealer.keyStatus(of: stored, companyID: id, field: .authTokenPrevious)
            let inWindow = tenant.previousAuthToken(at: now) != nil
            previous = .init(
                expiresAt: expires, inWindow: inWindow, keyStatus: status.description,
                detail: inWindow
                    ? "the token it replaced is still accepted until \(expires)"
                    : "the token it replaced expired at \(expires)")
        }
        return .init(
            hasAccountSid: !(tenant.accountSid ?? "").isEmpty, hasAuthToken: token != nil,
            authToken: token ?? .damaged,
            authTokenDetail: token?.description ?? "no auth token: Twilio's signatures cannot be checked",
            previousToken: previous, signing: Self.signing(of: tenant, sealer: sealer, now: now))
    }

    /// Which signature the company's webhooks carry, in words.
    static func signing(of tenant: TenantSnapshot, sealer: SecretSealer, now: Date) -> String {
        guard let key = tenant.webhookSharedKey else {
            return "signed with the auth token (HMAC-SHA1), Twilio's default"
        }
        let opens = sealer.keyStatus(of: key.secret, companyID: tenant.companyID.rawValue, field: .webhookSharedKey)
        var text = "signed with shared key \(key.sid) (\(key.algorithm); its secret \(opens.description))"
        text +=
            tenant.requireSharedKey == true
            ? "; auth-token signatures are refused" : "; auth-token signatures are still accepted"
        if let previous = tenant.webhookSharedKeyPrevious, let expires = tenant.webhookSharedKeyPreviousExpiresAt {
            text +=
                tenant.sharedKey(named: previous.sid, at: now) != nil
                ? "; the key it replaced, \(previous.sid), is accepted until \(expires)"
                : "; the key it replaced expired at \(expires)"
        }
        return text
    }
}
