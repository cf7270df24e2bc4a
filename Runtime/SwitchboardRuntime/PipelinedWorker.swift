import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One warm function process of a ``FunctionPool``, with several envelopes in flight:
/// the stream protocol answers in order, so envelopes are written as they come and
/// replies matched to them first in, first out. The process never waits for the
/// driver to hand it its next envelope, and one thread per process does all the pipe
/// work, without a thread hop per request.
///
/// The thread polls the child's output, its input (while there is something to write;
/// writes never block, so a child busy writing a long reply is still read) and a wake-up
/// pipe for new envelopes, with the oldest envelope's deadline as its timeout. When that
/// deadline passes, the child is killed and that invocation times out; when the child
/// dies, that invocation fails. Either way a fresh child is started and the envelopes
/// behind it — which the child, answering in order, never started — are sent again.
final class PipelinedWorker: @unchecked Sendable {
    typealias Completion = @Sendable (FunctionProcess.Outcome) -> Void

    private struct Job {
        let envelope: [UInt8]
        let deadline: Int64
        let complete: Completion
    }

    private let process: FunctionProcess
    private let submitted = Mutex<(jobs: [Job], load: Int, stopping: Bool)>(([], 0, false))
    private let finished = Mutex(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Envelopes submitted and not yet answered.
    var load: Int { submitted.withLock { $0.load } }

    init(executable: String, environment: [String: String]?) {
        process = FunctionProcess(executable: executable, environment: environment)
        var wake: [Int32] = [0, 0]
        _ = pipe(&wake)
        for descriptor in wake {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = wake[0]
        wakeWrite = wake[1]
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(
            &thread, nil,
            { argument in
                let worker = Unmanaged<PipelinedWorker>.fromOpaque(argument!).takeRetainedValue()
                worker.run()
                return nil
            }, box.toOpaque())
        pthread_detach(thread)
    }

    /// The wake-up pipe is closed only once nothing can write to it any more: the worker
    /// thread has returned and no caller holds the worker.
    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Queues one envelope (without its newline); `complete` is called once, from the
    /// worker's thread, with what became of it.
    func submit(envelope: [UInt8], deadline: Int64, complete: @escaping Completion) {
        let accepted = submitted.withLock { state in
            guard !state.stopping else { return false }
            state.jobs.append(Job(envelope: envelope + [0x0A], deadline: deadline, complete: complete))
            state.load += 1
            return true
        }
        guard accepted else { return complete(.crashed("switchboard is stopping")) }
        wake()
    }

    /// Stops the child (its input closed, then killed if it has not exited within half a
    /// second) and the thread; what was waiting fails. Returns once both are gone, or
    /// after `timeoutMilliseconds`.
    func stop(timeoutMilliseconds: Int64 = 2_000) {
        let first = submitted.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first { wake() }
        let deadline = epochMilliseconds() + timeoutMilliseconds
        while !finished.withLock({ $0 }) && epochMilliseconds() < deadline { usleep(5_000) }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe already holds a wake-up
    }

    // MARK: The worker's thread

    private func run() {
        var inFlight: [Job] = []  // written (or being written), oldest first
        var outgoing: [UInt8] = []
        var written = 0
        var lines = LineSplitter(maximumLineBytes: FunctionRuntime.maximumInputBytes)

        func finish(_ job: Job, _ outcome: FunctionProcess.Outcome) {
            submitted.withLock { $0.load -= 1 }
            job.complete(outcome)
        }
        /// The child is gone: `outcome` for the oldest envelope, the others sent again
        /// to a fresh child.
        func replaceChild(failing outcome: FunctionProcess.Outcome) {
            if !inFlight.isEmpty { finish(inFlight.removeFirst(), outcome) }
            // Those whose time ran out while they waited are not sent again.
            let now = epochMilliseconds()
            for job in inFlight where job.deadline <= now { finish(job, .timedOut) }
            inFlight.removeAll { $0.deadline <= now }
            outgoing = inFlight.flatMap(\.envelope)
            written = 0
            lines = LineSplitter(maximumLineBytes: FunctionRuntime.maximumInputBytes)
            startChild()
        }
        func startChild() {
            do {
                try process.start()
                _ = fcntl(process.inputDescriptor, F_SETFL, fcntl(process.inputDescriptor, F_GETFL) | O_NONBLOCK)
            } catch {
                // Nothing can run: every waiting envelope fails now; the next one tries again.
                for job in inFlight { finish(job, .crashed(error.description)) }
                inFlight.removeAll()
                outgoing.removeAll()
                written = 0
            }
        }

        while true {
            // New envelopes.
            let (fresh, stopping) = submitted.withLock { state -> ([Job], Bool) in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return (state.jobs, state.stopping)
            }
            if stopping {
                for job in inFlight + fresh { finish(job, .crashed("switchboard is stopping")) }
                process.stop()
                // The wake-up pipe stays open (`deinit` closes it): a late `submit` may still write to it.
                finished.withLock { $0 = true }
                return
            }
            if !fresh.isEmpty {
                if !process.isRunning {
                    inFlight += fresh
                    outgoing = inFlight.flatMap(\.envelope)
                    written = 0
                    startChild()
                } else {
                    inFlight += fresh
                    for job in fresh { outgoing += job.envelope }
                }
            }

            var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let running = process.isRunning
            if running {
                descriptors.append(pollfd(fd: process.outputDescriptor, events: Int16(POLLIN), revents: 0))
                if written < outgoing.count {
                    descriptors.append(pollfd(fd: process.inputDescriptor, events: Int16(POLLOUT), revents: 0))
                }
            }
            var timeout: Int32 = -1
            if running, let oldest = inFlight.first {
                timeout = Int32(clamping: max(0, oldest.deadline - epochMilliseconds()))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 256)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            guard running else { continue }

            // Write what the child can take.
            if descriptors.count > 2, descriptors[2].revents != 0 {
                let count = outgoing.withUnsafeBytes { raw in
                    write(process.inputDescriptor, raw.baseAddress! + written, raw.count - written)
                }
                if count > 0 {
                    written += count
                    if written == outgoing.count {
                        outgoing.removeAll(keepingCapacity: true)
                        written = 0
                    }
                } else if count < 0 && errno != EAGAIN && errno != EINTR {
                    replaceChild(failing: .crashed("\(process.name) stopped reading its input\(process.terminate())"))
                    continue
                }
            }

            // Read replies.
            if descriptors[1].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let count = read(process.outputDescriptor, &chunk, chunk.count)
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                if count <= 0 {
                    replaceChild(failing: .crashed("\(process.name) exited mid-invocation\(process.reapExited())"))
                    continue
                }
                guard lines.append(chunk[0..<count]) else {
                    replaceChild(
                        failing: .crashed(
                            "\(process.name) wrote a reply longer than \(FunctionRuntime.maximumInputBytes) bytes\(process.terminate())"
                        ))
                    continue
                }
                var broken = false
                while let line = lines.next() {
                    guard !inFlight.isEmpty, let reply = try? InvocationReply.decode(line) else {
                        broken = true
                        break
                    }
                    finish(inFlight.removeFirst(), .reply(reply))
                }
                if broken {
                    replaceChild(
                        failing: .crashed(
                            "\(process.name) broke the protocol (wrote a line that is not a reply)\(process.terminate())"
                        ))
                    continue
                }
            }

            // The oldest envelope's deadline.
            if let oldest = inFlight.first, epochMilliseconds() >= oldest.deadline {
                process.terminate()
                replaceChild(failing: .timedOut)
            }
        }
    }
}

/// Splits bytes that arrive in pieces into newline-terminated lines.
struct LineSplitter {
    private var buffer: [UInt8] = []
    private var start = 0
    private let maximumLineBytes: Int

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Adds `bytes`; false when a line has grown past the limit.
    mutating func append(_ bytes: ArraySlice<UInt8>) -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65_536 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += bytes
        return buffer.count - start <= maximumLineBytes || buffer[start...].contains(0x0A)
    }

    /// The next complete line, without its newline.
    mutating func next() -> [UInt8]? {
        guard start < buffer.count else { return nil }
        let newline: Int? = buffer.withUnsafeBufferPointer { all in
            memchr(all.baseAddress! + start, 0x0A, all.count - start).map {
                all.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard let newline else { return nil }
        let line = Array(buffer[start..<newline])
        start = newline + 1
        return line
    }
}
