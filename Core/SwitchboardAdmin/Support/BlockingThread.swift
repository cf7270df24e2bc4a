import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own for work that blocks on the network (a Twilio request), instead of
/// the dispatch pool: on Linux that pool keeps about as many threads as there are cores,
/// so blocked requests queued on it wait for each other, and sixteen checks at once
/// become two.
enum BlockingThread {
    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread, entering `group` until it returns. When no thread can
    /// be made, `body` runs here.
    static func start(in group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let work = Unmanaged.passRetained(
            Work {
                body()
                group.leave()
            })
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<Work>.fromOpaque(argument!).takeRetainedValue().body()
                return nil
            }, work.toOpaque())
        if started == 0 {
            pthread_detach(thread)
        } else {
            work.takeRetainedValue().body()
        }
    }
}
