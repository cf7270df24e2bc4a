/// When a failing dependency may be tried again: not before `first` has passed since a
/// failure, each failure in a row doubling the wait up to `longest`, a success starting
/// over. Callers in the wait fail at once instead of each waiting out a timeout; the
/// first caller after it is the probe.
struct BackOff {
    let first: Duration
    let longest: Duration
    private let clock = ContinuousClock()
    private var wait: Duration
    private var retryAt: ContinuousClock.Instant?

    init(first: Duration, longest: Duration) {
        self.first = first
        self.longest = longest
        wait = first
    }

    /// Whether a call may go to the dependency now (it is not in a wait).
    var allowsTry: Bool {
        guard let retryAt else { return true }
        return clock.now >= retryAt
    }

    /// Whether the dependency failed and has not answered since.
    var isFailing: Bool { retryAt != nil }

    /// How long until the next try is allowed (zero when it is).
    var remaining: Duration {
        guard let retryAt else { return .zero }
        return max(.zero, retryAt - clock.now)
    }

    /// A call failed: wait before the next, longer each time.
    mutating func failed() {
        retryAt = clock.now + wait
        wait = min(wait * 2, longest)
    }

    /// A call succeeded: no wait, and the next failure waits `first` again.
    mutating func succeeded() {
        retryAt = nil
        wait = first
    }
}
