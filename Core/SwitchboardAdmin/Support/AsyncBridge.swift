import Dispatch

/// Runs `operation` to completion and returns its result, from synchronous code.
///
/// Function handlers are synchronous (one event at a time on the process's main thread);
/// jwt-kit's key collection is an actor, so its calls are async. The operation runs on
/// a thread of its own (a task executor over a private serial queue, which default
/// actors such as jwt-kit's follow), never on the concurrency runtime's shared pool, so
/// waiting for it cannot deadlock even when the caller itself holds a pool thread (as a
/// test does). The work is CPU-only (an HMAC), so the one thread is never blocked.
func waitForAsync<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) throws -> Value {
    let outcome = AsyncOutcome<Value>()
    let done = DispatchSemaphore(value: 0)
    Task(executorPreference: BridgeExecutor.shared) {
        do {
            outcome.value = .success(try await operation())
        } catch {
            outcome.value = .failure(error)
        }
        done.signal()
    }
    done.wait()
    return try outcome.value!.get()
}

/// The result handed from the task to the waiting thread; the semaphore orders the
/// write before the read.
private final class AsyncOutcome<Value: Sendable>: @unchecked Sendable {
    var value: Result<Value, any Error>?
}

/// A task executor running every job on one private serial queue.
private final class BridgeExecutor: TaskExecutor {
    static let shared = BridgeExecutor()
    private let queue = DispatchQueue(label: "switchboard.async-bridge")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
