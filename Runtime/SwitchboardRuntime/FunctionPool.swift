import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A few warm processes of one function, for a server that takes requests
/// concurrently (`switchboard serve`). Each invocation borrows an idle process (starting
/// one when fewer than `size` exist), runs on a thread of its own so the blocking pipe
/// work never holds up Swift's concurrency pool, and gives the process back — or, when
/// it overran its deadline or died, lets it go so a fresh one replaces it.
///
/// The processes are ``FunctionProcess``es: the same code `bootstrap` runs on Lambda.
public actor FunctionPool {
    /// The function executable.
    public let executable: String
    /// The most processes kept at once.
    public let size: Int
    private let environment: [String: String]?
    private var idle: [Handle] = []
    private var count = 0
    private var waiters: [CheckedContinuation<Handle?, Never>] = []

    /// A pool of at most `size` processes of `executable`.
    public init(executable: String, size: Int, environment: [String: String]? = nil) {
        self.executable = executable
        self.size = max(1, size)
        self.environment = environment
    }

    private var built = false

    /// Whether the executable exists and may be run; once it has, that is taken as
    /// settled (no check per request), while a missing one is looked for again each time.
    public var isBuilt: Bool {
        if !built { built = access(executable, X_OK) == 0 }
        return built
    }

    /// Runs one invocation on a warm process.
    ///
    /// - Returns: the outcome, or a `.crashed` outcome saying why no process could start.
    public func invoke(envelope: [UInt8], deadline: Int64) async -> FunctionProcess.Outcome {
        guard let handle = await checkOut() else {
            return .crashed("\(executable) could not start")
        }
        if !handle.process.isRunning {
            let failure = await handle.run { process -> String? in
                do {
                    try process.start()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            if let failure {
                release(handle)
                return .crashed(failure)
            }
        }
        let outcome = await handle.run { $0.invoke(envelope: envelope, deadline: deadline) }
        checkIn(handle)
        return outcome
    }

    private func checkOut() async -> Handle? {
        if let handle = idle.popLast() { return handle }
        if count < size {
            count += 1
            return Handle(process: FunctionProcess(executable: executable, environment: environment))
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func checkIn(_ handle: Handle) {
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: handle)
        } else {
            idle.append(handle)
        }
    }

    private func release(_ handle: Handle) {
        // Its process never started; hand its slot to a waiter or free it.
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: handle)
        } else {
            count -= 1
        }
    }

    /// One process and the thread its blocking work runs on. Only one invocation uses
    /// a handle at a time (the pool hands it out to one borrower).
    final class Handle: @unchecked Sendable {
        let process: FunctionProcess
        private let queue: DispatchQueue

        init(process: FunctionProcess) {
            self.process = process
            self.queue = DispatchQueue(label: "switchboard.function-process")
        }

        func run<T: Sendable>(_ body: @escaping @Sendable (FunctionProcess) -> T) async -> T {
            await withCheckedContinuation { continuation in
                queue.async { continuation.resume(returning: body(self.process)) }
            }
        }
    }
}
