import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A few warm processes of one function, for a server that takes requests
/// concurrently (`switchboard serve`). An invocation goes to an idle process, or starts
/// a new one while fewer than `size` exist, or else joins the least busy process's
/// queue: each process has several envelopes in flight (see ``PipelinedWorker``), so it
/// never sits waiting for the server between two requests.
///
/// The processes are ``FunctionProcess``es: the same code `bootstrap` runs on Lambda.
public final class FunctionPool: Sendable {
    /// The function executable.
    public let executable: String
    /// The most processes kept at once.
    public let size: Int
    private let environment: [String: String]?
    private let workers = Mutex<[PipelinedWorker]>([])
    private let built = Mutex(false)

    /// A pool of at most `size` processes of `executable`.
    public init(executable: String, size: Int, environment: [String: String]? = nil) {
        self.executable = executable
        self.size = max(1, size)
        self.environment = environment
    }

    /// Whether the executable exists and may be run; once it has, that is taken as
    /// settled (no check per request), while a missing one is looked for again each time.
    public var isBuilt: Bool {
        built.withLock { known in
            if !known { known = access(executable, X_OK) == 0 }
            return known
        }
    }

    /// Runs one invocation on a warm process.
    ///
    /// - Returns: the outcome, or a `.crashed` outcome saying why no process could start.
    public func invoke(envelope: [UInt8], deadline: Int64) async -> FunctionProcess.Outcome {
        let worker = choose()
        return await withCheckedContinuation { continuation in
            worker.submit(envelope: envelope, deadline: deadline) { continuation.resume(returning: $0) }
        }
    }

    /// Stops every process of the pool and waits (up to about two seconds) until they are
    /// gone; invocations still waiting fail. For a server that is shutting down.
    public func stop() {
        let stopping = workers.withLock { workers in
            defer { workers.removeAll() }
            return workers
        }
        for worker in stopping { worker.stop() }
    }

    private func choose() -> PipelinedWorker {
        workers.withLock { workers in
            if let idle = workers.first(where: { $0.load == 0 }) { return idle }
            if workers.count < size {
                let worker = PipelinedWorker(executable: executable, environment: environment)
                workers.append(worker)
                return worker
            }
            return workers.min { $0.load < $1.load }!
        }
    }
}
