import Foundation
import SwitchboardRuntime

/// The Lambda Runtime API's state on this machine: invocations waiting to be handed
/// out, the one `bootstrap` is working on, and the answers coming back.
actor RuntimeAPIEmulator {
    /// What became of one invocation.
    enum Result: Sendable {
        case response([UInt8])
        case error(type: String, body: [UInt8])
        case initError([UInt8])
        case noAnswer
    }

    struct Invocation: Sendable {
        let id: String
        let event: [UInt8]
        let deadlineMilliseconds: Int64
        let traceID: String
    }

    let functionName: String
    let timeoutMilliseconds: Int64
    private var queued: [Invocation] = []
    private var waitingForNext: [CheckedContinuation<Invocation, Never>] = []
    private var waitingForResult: [String: CheckedContinuation<Result, Never>] = [:]
    private var initError: [UInt8]?
    private var counter = 0
    /// The invocation last handed to the runtime and not yet answered. A runtime asking
    /// for work again without answering it (a restarted bootstrap; a killed one whose
    /// `next` was still waiting here) gets it again, as one runtime at a time is served.
    private var handedOut: Invocation?

    init(functionName: String, timeoutMilliseconds: Int64) {
        self.functionName = functionName
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Queues `event` and waits for the runtime's answer (or the deadline plus a grace
    /// period, after which the invocation is answered `noAnswer`).
    func invoke(_ event: [UInt8]) async -> Result {
        if let initError { return .initError(initError) }
        counter += 1
        let id = "emulated-\(counter)-\(UUID().uuidString.prefix(8).lowercased())"
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let invocation = Invocation(
            id: id, event: event, deadlineMilliseconds: now + timeoutMilliseconds,
            traceID:
                "Root=1-\(String(now / 1_000, radix: 16))-\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased());Sampled=0"
        )
        let grace = timeoutMilliseconds + 2_000
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(grace))
            _ = await self?.finish(id, with: .noAnswer)
        }
        return await withCheckedContinuation { continuation in
            waitingForResult[id] = continuation
            if waitingForNext.isEmpty {
                queued.append(invocation)
            } else {
                handedOut = invocation
                waitingForNext.removeFirst().resume(returning: invocation)
            }
        }
    }

    /// The next invocation, waiting for one to be queued.
    func next() async -> Invocation {
        if let handedOut, waitingForResult[handedOut.id] != nil { return handedOut }
        if !queued.isEmpty {
            handedOut = queued.removeFirst()
            return handedOut!
        }
        return await withCheckedContinuation { waitingForNext.append($0) }
    }

    /// Records the answer to invocation `id`; false when no such invocation is waiting.
    func finish(_ id: String, with result: Result) -> Bool {
        guard let continuation = waitingForResult.removeValue(forKey: id) else { return false }
        queued.removeAll { $0.id == id }
        if handedOut?.id == id { handedOut = nil }
        continuation.resume(returning: result)
        return true
    }

    /// Records an init error: every waiting and later invocation is answered with it.
    func failInit(_ body: [UInt8]) {
        initError = body
        for (id, continuation) in waitingForResult {
            continuation.resume(returning: .initError(body))
            queued.removeAll { $0.id == id }
        }
        waitingForResult.removeAll()
    }
}
