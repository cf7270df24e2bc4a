import Dispatch
import Logging
import SwitchboardCore
import Synchronization
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The rolling sweep: each pass checks the companies that were checked longest ago
/// (never-checked and just-changed ones first), a few at a time, inside a time budget,
/// and stores each result as soon as it has it.
///
/// - The queue is the health store itself (``CompanyHealthStore/nextDue(notCheckedSince:limit:)``),
///   read a page at a time: no pass reads every company, and memory stays flat in their
///   number.
/// - A pass killed half-way loses only the checks in flight; the next pass starts with
///   the companies the killed one had not reached, since they are still the oldest.
/// - A check is only started while its whole bound (``TwilioRESTSettings/timeoutMilliseconds``)
///   fits in the budget, so a pass ends within its budget even when Twilio hangs for
///   every company, and the checks in flight then are stored as having timed out.
/// - A company whose status changes (HEALTHY → DOWN, and back) gets one log line,
///   `health.company_changed`, naming it and its first problem.
///
/// Every store and directory call is made under one lock, from whichever worker needs
/// it: the store and directory are not thread-safe, and their calls are short.
public final class HealthSweep: Sendable {
    /// What one pass did.
    public struct Pass: Sendable {
        /// Companies checked and stored.
        public var checked = 0
        /// Companies found `DOWN`, by name and id (the first 50).
        public var down: [(id: String, name: String, problem: String)] = []
        public var downCount = 0
        /// Companies given a record for the first time.
        public var enrolled = 0
        /// Companies gone from the directory whose health was removed.
        public var removed = 0
        /// Companies still waiting for a check in this round.
        public var remaining = 0
        /// How long the pass took.
        public var elapsed: Duration = .zero
        /// Why the pass stopped early, when the store failed.
        public var storeFailure: String?

        /// `elapsed` in milliseconds.
        public var elapsedMilliseconds: Int {
            Int(elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        }

        /// True when every company was checked in this round.
        public var finishedRound: Bool { remaining == 0 && storeFailure == nil }
    }

    private let storage: Mutex<Storage>
    private let check: TenantHealthCheck
    private let concurrency: Int
    private let twilio: TwilioRESTSettings
    private let logger: Logger
    /// How many companies a pass enrols at most before it starts checking.
    static let enrolmentPerPass = 5_000

    /// A sweep over `directory` storing into `store`. While ``run(round:budget:progress:)``
    /// runs, they are used under the sweep's lock only: the caller must not use them meanwhile.
    public init(
        store: any CompanyHealthStore, directory: any TenantDirectory, check: TenantHealthCheck,
        settings: HealthSettings, logger: Logger
    ) {
        storage = Mutex(Storage(store: store, directory: directory))
        self.check = check
        concurrency = settings.sweepConcurrency
        twilio = settings.twilio
        self.logger = logger
    }

    /// One pass: enrols companies that have no health yet, then checks those not checked
    /// since `round` began, until none is left or `budget` is spent.
    ///
    /// - Parameters:
    ///   - round: when this round began; a company checked since is not checked again
    ///     unless it was changed.
    ///   - progress: called after each stored check with the number checked so far.
    public func run(round: Date, budget: Duration, progress: (@Sendable (Int) -> Void)? = nil) -> Pass {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + budget
        var pass = Pass()
        do {
            pass.enrolled = try storage.withLock { storage throws(HealthStoreError) in
                try storage.store.enrolMissing(limit: Self.enrolmentPerPass, at: Date())
            }
        } catch {
            pass.storeFailure = error.description
            logger.error("health.sweep_store_failed", metadata: ["error": "\(error)"])
            return pass
        }
        let state = SweepState(round: round)
        // A check may take its whole Twilio bound, and a little for the store.
        let checkBound = Duration.milliseconds(twilio.timeoutMilliseconds + 500)
        let group = DispatchGroup()
        for _ in 0..<concurrency {
            BlockingThread.start(in: group) {
                var clients: TenantHealthCheck.Clients?
                while clock.now + checkBound <= deadline, let job = self.next(state) {
                    if clients == nil || clients?.isAbandoned == true {
                        clients = try? TenantHealthCheck.Clients(settings: self.twilio)
                    }
                    guard let clients else {
                        state.fail("cannot create an HTTP client for Twilio")
                        return
                    }
                    let checkStarted = Date()
                    let record = self.check.check(job.company, clients: clients).following(job.previous)
                    self.finish(
                        record, of: job.company.id, previous: job.previous, startedAt: checkStarted, state: state,
                        progress: progress)
                }
            }
        }
        // Every check is bounded, so this wait is too; the margin only guards a stuck one.
        _ = group.wait(timeout: .now() + .milliseconds(Int((budget + checkBound).components.seconds * 1_000) + 1_000))
        state.stop()
        let outcome = state.outcome()
        pass.checked = outcome.checked
        pass.down = outcome.down
        pass.downCount = outcome.downCount
        pass.removed = outcome.removed
        pass.storeFailure = outcome.failure
        pass.remaining =
            (try? storage.withLock { storage throws(HealthStoreError) in
                try storage.store.countDue(notCheckedSince: round)
            }) ?? 0
        pass.elapsed = clock.now - started
        return pass
    }

    /// The next company to check, its previous record, or `nil` when there is none.
    private func next(_ state: SweepState) -> (company: Company, previous: CompanyHealthRecord?)? {
        while true {
            guard
                let id = state.take(refill: { inFlight throws(HealthStoreError) in
                    try storage.withLock { storage throws(HealthStoreError) in
                        try storage.store.nextDue(notCheckedSince: state.round, limit: concurrency * 4 + inFlight)
                    }
                })
            else { return nil }
            do {
                let company = try storage.withLock { storage throws(DirectoryError) in
                    try storage.directory.company(id: id)
                }
                guard let company else {
                    try storage.withLock { storage throws(HealthStoreError) in try storage.store.remove(id) }
                    state.removed(id)
                    continue
                }
                let previous = try storage.withLock { storage throws(HealthStoreError) in
                    try storage.store.record(of: id)
                }
                return (company, previous)
            } catch {
                state.fail("\(error)")
                logger.error("health.sweep_store_failed", metadata: ["company.id": "\(id)", "error": "\(error)"])
                return nil
            }
        }
    }

    private func finish(
        _ record: CompanyHealthRecord, of id: CompanyID, previous: CompanyHealthRecord?, startedAt: Date,
        state: SweepState,
        progress: (@Sendable (Int) -> Void)?
    ) {
        do {
            try storage.withLock { storage throws(HealthStoreError) in
                try storage.store.store(record, checkStartedAt: startedAt)
            }
        } catch  where error.companyGone {
            state.removed(id)
            return
        } catch {
            state.release(id)
            state.fail(error.description)
            logger.error("health.sweep_store_failed", metadata: ["company.id": "\(id)", "error": "\(error)"])
            return
        }
        let checked = state.done(id, record)
        progress?(checked)
        Self.logChange(from: previous, to: record, logger: logger)
    }

    /// One line when a company's status changes; none for a first check that finds it
    /// well, so enrolling thousands of companies is quiet.
    public static func logChange(from previous: CompanyHealthRecord?, to record: CompanyHealthRecord, logger: Logger) {
        guard let status = record.status, previous?.status != status else { return }
        if previous?.status == nil && status.severity == 0 { return }
        let metadata: Logger.Metadata = [
            "company.id": "\(record.companyId)", "company.name": "\(record.companyName)",
            "from": "\(previous?.status?.rawValue ?? "UNCHECKED")", "to": "\(status.rawValue)",
            "problem": "\(record.headline)",
        ]
        if status == .down {
            logger.error("health.company_changed", metadata: metadata)
        } else {
            logger.notice("health.company_changed", metadata: metadata)
        }
    }
}

/// The store and the directory a sweep uses, neither of them thread-safe: a pass uses
/// them under its lock only, and whoever made the sweep does not use them while a pass
/// runs (a function process handles one invocation at a time).
private struct Storage: @unchecked Sendable {
    let store: any CompanyHealthStore
    let directory: any TenantDirectory
}

/// What the workers of one pass share: the page of ids fetched, those in flight, and
/// what was done.
private final class SweepState: Sendable {
    struct Outcome {
        var buffered: [CompanyID] = []
        var inFlight: Set<CompanyID> = []
        var checked = 0
        var down: [(id: String, name: String, problem: String)] = []
        var downCount = 0
        var removed = 0
        var failure: String?
        var stopped = false
        var exhausted = false
    }

    let round: Date
    private let state = Mutex(Outcome())

    init(round: Date) {
        self.round = round
    }

    /// The next id, refilling the page from the store when it is empty; `nil` when the
    /// round is done, the pass stopped, or the store failed.
    func take(refill: (_ inFlight: Int) throws(HealthStoreError) -> [CompanyID]) -> CompanyID? {
        state.withLock { state -> CompanyID? in
            guard !state.stopped, state.failure == nil else { return nil }
            if state.buffered.isEmpty && !state.exhausted {
                do {
                    state.buffered = try refill(state.inFlight.count).filter { !state.inFlight.contains($0) }.reversed()
                } catch {
                    state.failure = "\(error)"
                    return nil
                }
                if state.buffered.isEmpty { state.exhausted = true }
            }
            guard let id = state.buffered.popLast() else { return nil }
            state.inFlight.insert(id)
            return id
        }
    }

    /// Records a stored check; returns how many this pass has stored.
    @discardableResult
    func done(_ id: CompanyID, _ record: CompanyHealthRecord) -> Int {
        state.withLock { state in
            state.inFlight.remove(id)
            state.checked += 1
            if record.status == .down {
                state.downCount += 1
                if state.down.count < 50 { state.down.append((record.companyId, record.companyName, record.headline)) }
            }
            return state.checked
        }
    }

    /// Gives up an id whose result could not be stored.
    func release(_ id: CompanyID) {
        state.withLock { _ = $0.inFlight.remove(id) }
    }

    func removed(_ id: CompanyID) {
        state.withLock { state in
            state.inFlight.remove(id)
            state.removed += 1
        }
    }

    func fail(_ why: String) {
        state.withLock { state in if state.failure == nil { state.failure = why } }
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    func outcome() -> Outcome {
        state.withLock { $0 }
    }
}
