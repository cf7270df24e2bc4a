import CGlibcCompat

#if canImport(Glibc)
import Glibc
#endif

/// Makes a child started with `actions` keep only its standard streams (descriptors
/// 0, 1 and 2, after the actions before this one): none of this process's sockets,
/// pipes or files, with or without close-on-exec. A server's children would otherwise
/// hold its listening socket, and keep the port — and, for bootstrap, a Runtime API that
/// seems alive — after the server is gone.
public func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    _ = switchboard_spawn_close_from(&actions, 3)
}

/// Makes a child started with `attributes` begin with no signal blocked and every
/// signal's default handling, whatever this thread has (a dispatch thread blocks most
/// signals; a server ignores SIGPIPE, SIGINT and SIGTERM), so SIGTERM stops it. `flags`
/// are further `POSIX_SPAWN_…` flags to set with those.
public func resetSignals(_ attributes: inout posix_spawnattr_t, flags: Int32 = 0) {
    var none = sigset_t()
    var all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | flags))
}
