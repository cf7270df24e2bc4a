import Dispatch

/// Runs `operation` to completion and returns its result, from synchronous code.
///
/// Function handlers are synchronous (one event at a time on the process's main thread);
/// jwt-kit's key collection is an actor, so its calls are async. The main thread is not
/// one of the concurrency runtime's pool threads, so waiting here cannot starve the task
/// it waits for. Never call this from inside an async context.
func waitForAsync<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) throws -> Value {
    let outcome = AsyncOutcome<Value>()
    let done = DispatchSemaphore(value: 0)
    Task {
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
