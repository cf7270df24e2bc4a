import SwitchboardRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A child started in a process group of its own, with the default handling of every
/// signal and none blocked, so that it and everything it starts (bootstrap and its
/// function) stop together.
final class ChildProcessGroup: @unchecked Sendable {
    /// The child's process id, which is also its group's id.
    let pid: pid_t

    /// Starts `executable` with `environment`; its standard streams are this process's.
    init(executable: String, environment: [String: String]) throws(CommandFailure) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        resetSignals(&attributes, flags: POSIX_SPAWN_SETPGROUP)
        // Standard streams only: bootstrap must not hold this server's listening socket
        // (it would then never see the API go away).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        closeInheritedDescriptors(&actions)
        let argv = [strdup(executable)] + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw CommandFailure("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    /// SIGTERM to the whole group, SIGKILL to what is left after `graceMilliseconds`,
    /// and waits for the child.
    func stop(graceMilliseconds: Int = 1_000) {
        kill(-pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<(graceMilliseconds / 10) {
            if waitpid(pid, &status, WNOHANG) == pid {
                kill(-pid, SIGKILL)  // what the child started, if it outlived it
                return
            }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}
