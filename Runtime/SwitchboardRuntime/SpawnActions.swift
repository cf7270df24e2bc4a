#if canImport(Glibc)
import Glibc
#endif
import CGlibcCompat

/// Makes a child started with `actions` keep only its standard streams (descriptors
/// 0, 1 and 2, after the actions before this one): none of this process's sockets,
/// pipes or files, with or without close-on-exec. A server's children would otherwise
/// hold its listening socket, and keep the port — and, for bootstrap, a Runtime API that
/// seems alive — after the server is gone.
public func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    _ = switchboard_spawn_close_from(&actions, 3)
}
