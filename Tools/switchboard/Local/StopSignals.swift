import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// How the local commands that start processes (`serve`, `emulate`) stop on Ctrl-C or
/// SIGTERM: they stop what they started, then themselves, at once — not after waiting
/// for a long-polling request that never ends.
enum StopSignals {
    /// The signals that stop a local command.
    static let signals: [Int32] = [SIGINT, SIGTERM]

    /// Unblocks SIGINT and SIGTERM, which a parent may have left blocked (a blocked mask
    /// is inherited). Called first thing, before any other thread exists, so every
    /// thread started later can take them.
    static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// On SIGINT or SIGTERM: runs `stop` (which stops the command's child processes),
    /// says so on standard error, and exits with status 0.
    static func onStop(command: String, _ stop: @escaping @Sendable () -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                stop()
                let line = "switchboard \(command): stopped\n"
                _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                _exit(0)
            }
            source.resume()
            sources.append(source)
        }
    }
}
