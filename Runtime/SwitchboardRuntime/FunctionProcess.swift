import SwitchboardJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One warm function process in stream mode, as the Lambda shim and the local server
/// drive it: started once, fed one envelope at a time, killed and replaced when it
/// overruns a deadline or dies.
///
/// The child's standard error is this process's standard error, so nothing it logs is
/// lost (on Lambda it reaches CloudWatch). Not thread-safe: one invocation at a time,
/// which is all a function process serves.
public final class FunctionProcess {
    /// What became of one invocation.
    public enum Outcome: Sendable, Equatable {
        /// The function answered (with a response, or with an error reply).
        case reply(InvocationReply)
        /// The deadline passed first; the process was killed.
        case timedOut
        /// The process died or broke the protocol; the text says how.
        case crashed(String)
    }

    /// The function executable.
    public let executable: String
    private let arguments: [String]
    private let environment: [String: String]?
    private var child: pid_t = 0
    private var input: Int32 = -1
    private var output: Int32 = -1
    private var reader: LineReader?

    /// Describes a process; nothing is started until ``start(timeoutMilliseconds:)``.
    ///
    /// - Parameters:
    ///   - executable: the function's path.
    ///   - environment: the child's environment; `nil` passes this process's on.
    public init(executable: String, environment: [String: String]? = nil) {
        self.executable = executable
        self.arguments = ["--stream", "--ready"]
        self.environment = environment
    }

    deinit {
        stop()
    }

    /// True while a started child is alive (as far as this side knows).
    public var isRunning: Bool { child > 0 }

    /// Starts the child and waits until it says it is ready.
    ///
    /// - Throws: ``FunctionProcessError`` naming the executable: missing, not
    ///   executable, failed its start-up (with the function's own message), or silent
    ///   past the timeout.
    public func start(timeoutMilliseconds: Int = 10_000) throws(FunctionProcessError) {
        stop()
        guard access(executable, X_OK) == 0 else {
            throw FunctionProcessError("function executable \(executable) is missing or not executable")
        }
        // Spawning holds a process-wide lock from pipe() to close-on-exec, so no other
        // child (the local server starts several) inherits these pipes' ends: a child
        // holding another's input open would keep it from ever seeing end of input.
        let spawned = Self.spawnLock.withLock { _ in spawn() }
        let (pid, toChild, fromChild) = try spawned.get()
        child = pid
        input = toChild
        output = fromChild
        reader = LineReader(descriptor: output, maximumLineBytes: FunctionRuntime.maximumInputBytes)
        try awaitReady(timeoutMilliseconds: timeoutMilliseconds)
    }

    private static let spawnLock = Mutex(())

    /// Starts the child with pipes on its standard input and output.
    private func spawn() -> Result<(pid_t, Int32, Int32), FunctionProcessError> {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else {
            return .failure(FunctionProcessError("pipe: \(String(cString: strerror(errno)))"))
        }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0])
            close(toChild[1])
            return .failure(FunctionProcessError("pipe: \(String(cString: strerror(errno)))"))
        }
        // dup2 clears it on 0 and 1.
        for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        for descriptor in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, descriptor) }
        // Nothing else of this process's: not a server's listening socket, not its connections.
        closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        resetSignals(&attributes)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environmentList = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp = environmentList.map { $0.map { strdup($0) } + [nil] }
        defer {
            for argument in argv { free(argument) }
            for variable in envp ?? [] { free(variable) }
        }
        var pid: pid_t = 0
        let status: Int32
        if var envp {
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, &envp)
        } else {
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        }
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1])
            close(fromChild[0])
            return .failure(FunctionProcessError("cannot start \(executable): \(String(cString: strerror(status)))"))
        }
        return .success((pid, toChild[1], fromChild[0]))
    }

    /// Waits for the child's ready line; anything else means it failed to start.
    private func awaitReady(timeoutMilliseconds: Int) throws(FunctionProcessError) {
        let deadline = epochMilliseconds() + Int64(timeoutMilliseconds)
        switch reader!.next(deadline: deadline) {
        case .line(let bytes)?:
            if case .object(let members)? = try? JSONValue(parsing: bytes), members["ready"] != nil { return }
            let message: String
            if let reply = try? InvocationReply.decode(bytes), let error = reply.error {
                message = error.message
            } else {
                message = "it wrote \(String(decoding: bytes.prefix(200), as: UTF8.self)) instead of getting ready"
            }
            let exit = reap()
            throw FunctionProcessError("\(name) failed to start\(exit): \(message)")
        case .timedOut?:
            kill(child, SIGKILL)
            let exit = reap()
            throw FunctionProcessError("\(name) did not get ready within \(timeoutMilliseconds) ms\(exit)")
        case .tooLong?:
            kill(child, SIGKILL)
            let exit = reap()
            throw FunctionProcessError("\(name) wrote an over-long line instead of getting ready\(exit)")
        case nil:
            let exit = reap()
            throw FunctionProcessError("\(name) exited during start-up\(exit)")
        }
    }

    /// Sends one envelope line (without its newline) and waits for the reply until
    /// `deadline` (milliseconds since 1970). A child that overruns or dies is gone
    /// afterwards; ``start(timeoutMilliseconds:)`` brings a fresh one.
    public func invoke(envelope: [UInt8], deadline: Int64) -> Outcome {
        guard child > 0, var lineReader = reader else { return .crashed("\(name) is not running") }
        guard RawOutput.write(envelope + [UInt8(ascii: "\n")], to: input) else {
            return .crashed("\(name) stopped reading its input\(reap())")
        }
        let result = lineReader.next(deadline: deadline)
        reader = lineReader
        switch result {
        case .line(let bytes)?:
            guard let reply = try? InvocationReply.decode(bytes) else {
                kill(child, SIGKILL)
                return .crashed("\(name) broke the protocol (wrote a line that is not a reply)\(reap())")
            }
            return .reply(reply)
        case .timedOut?:
            kill(child, SIGKILL)
            _ = reap()
            return .timedOut
        case .tooLong?:
            // Still alive, but its output can no longer be trusted to line up with requests.
            kill(child, SIGKILL)
            return .crashed("\(name) wrote a reply longer than \(FunctionRuntime.maximumInputBytes) bytes\(reap())")
        case nil:
            return .crashed("\(name) exited mid-invocation\(reap())")
        }
    }

    /// Stops the child (closing its input first, so a healthy one exits by itself).
    public func stop() {
        guard child > 0 else { return }
        close(input)
        input = -1
        var status: Int32 = 0
        for _ in 0..<50 {  // up to 0.5 s to finish on its own
            if waitpid(child, &status, WNOHANG) == child {
                child = 0
                break
            }
            usleep(10_000)
        }
        if child > 0 {
            kill(child, SIGKILL)
            waitpid(child, &status, 0)
            child = 0
        }
        if output >= 0 { close(output) }
        output = -1
        reader = nil
    }

    /// The write end of the child's standard input, while it runs.
    var inputDescriptor: Int32 { input }
    /// The read end of the child's standard output, while it runs.
    var outputDescriptor: Int32 { output }

    /// Kills the child at once and waits for it; says how it ended.
    @discardableResult
    func terminate() -> String {
        guard child > 0 else { return "" }
        kill(child, SIGKILL)
        return reap()
    }

    /// Waits for a child that closed its output and says how it ended.
    func reapExited() -> String { reap() }

    var name: String { String(executable.split(separator: "/").last ?? Substring(executable)) }

    /// Waits for the dead (or killed) child and describes how it ended.
    private func reap() -> String {
        guard child > 0 else { return "" }
        if input >= 0 { close(input) }
        if output >= 0 { close(output) }
        input = -1
        output = -1
        reader = nil
        var status: Int32 = 0
        waitpid(child, &status, 0)
        child = 0
        let signal = status & 0x7F
        if signal != 0 { return " (killed by signal \(signal))" }
        return " (exit status \((status >> 8) & 0xFF))"
    }
}

/// Why a function process could not be started.
public struct FunctionProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension InvocationReply {
    /// Reads a reply line (the driver's side of the protocol).
    static func decode(_ bytes: [UInt8]) throws(ProtocolDecodingError) -> InvocationReply {
        var reader = ProtocolReader(bytes: bytes)
        return try reader.document { reader throws(JSONParseError) in try reader.reply() }.get()
    }
}
