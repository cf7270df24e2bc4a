internal import CTLS
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a TLS client checks the server it reaches.
public struct TLSSettings: Sendable, Equatable, Hashable {
    /// A PEM file of the certificate authorities to trust; `nil` for the system's bundle
    /// (``SystemTrust/bundle``).
    public var caFile: String?
    /// Whether the server's certificate and name are checked. Off only for local tests.
    public var verifiesPeer: Bool

    public init(caFile: String? = nil, verifiesPeer: Bool = true) {
        self.caFile = caFile
        self.verifiesPeer = verifiesPeer
    }
}

/// Why a TLS connection failed, translated once here from OpenSSL's results.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// OpenSSL could not be loaded or set up (its library, the CA file).
        case setup
        /// The handshake failed: the server speaks no TLS, or offers nothing acceptable.
        case handshake
        /// The server's certificate was refused: unknown authority, expired, wrong name.
        case certificate
        /// Nothing arrived within the time allowed.
        case timeout
        /// The connection broke, or the server closed it.
        case closed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "TLS: \(message)" }
}

/// One TLS client connection over a connected TCP socket, through OpenSSL (loaded on
/// first use). The only owner of its `SSL*`, of the `SSL_CTX*`s, and of the socket, which
/// it closes.
///
/// The socket stays blocking; its receive and send timeouts (`SO_RCVTIMEO`,
/// `SO_SNDTIMEO`) bound every read, write and the handshake, so a silent server costs at
/// most the timeout and is reported as ``TLSError/Kind/timeout``.
public final class TLSStream {
    private let connection: OpaquePointer
    /// The socket, for `poll`.
    public let descriptor: Int32
    /// Whether the handshake completed: only then is `close_notify` sent at the end.
    private var established = false

    /// Performs the handshake with the server at the other end of `socket` (which the
    /// stream then owns), sending `host` as SNI and, when `settings` verify, checking the
    /// certificate names it.
    ///
    /// - Throws: ``TLSError`` naming the cause; the socket is closed.
    public init(socket: Int32, host: String, settings: TLSSettings, timeoutMilliseconds: Int) throws(TLSError) {
        descriptor = socket
        let context: OpaquePointer
        do { context = try Self.context(for: settings) } catch {
            close(socket)
            throw error
        }
        var text = [CChar](repeating: 0, count: 512)
        guard let made = ctls_new(context, socket, host, settings.verifiesPeer ? 1 : 0, &text, text.count) else {
            close(socket)
            throw TLSError(.setup, String(cText: text))
        }
        connection = made
        Self.setTimeout(socket, milliseconds: timeoutMilliseconds)
        // From here on the stream is whole: a failure is thrown, and deinit frees it.
        let result = ctls_connect(made)
        guard result == 1 else {
            let failure = describe(result, during: "the handshake")
            throw failure.kind == .closed
                ? TLSError(
                    .handshake,
                    "the server closed the connection during the handshake (does it speak TLS on this port?)")
                : failure
        }
        established = true
    }

    deinit {
        if established { ctls_shutdown(connection) }
        ctls_free(connection)
        close(descriptor)
    }

    /// Sets how long each later read or write may wait.
    public func setTimeout(milliseconds: Int) {
        Self.setTimeout(descriptor, milliseconds: milliseconds)
    }

    /// Writes all of `bytes`.
    ///
    /// - Throws: ``TLSError`` (`timeout` or `closed`).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        var offset = 0
        while offset < bytes.count {
            let written = ctls_write(
                connection, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
            guard written > 0 else { throw describe(written, during: "a write") }
            offset += Int(written)
        }
    }

    /// Reads what has arrived into `buffer`, waiting for something when nothing has.
    ///
    /// - Returns: how many bytes were read (at least one).
    /// - Throws: ``TLSError`` (`timeout`, or `closed` when the server closed it).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> Int {
        let count = ctls_read(connection, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        guard count > 0 else { throw describe(count, during: "a read") }
        return Int(count)
    }

    /// True when decrypted bytes are waiting in OpenSSL's buffer, which `poll` on the
    /// socket cannot see.
    public var hasBufferedInput: Bool { ctls_pending(connection) > 0 }

    /// The error a failed call with `result` means.
    private func describe(_ result: Int32, during step: String) -> TLSError {
        let code = Int(ctls_error(connection, result))
        let savedErrno = errno
        var text = [CChar](repeating: 0, count: 512)
        ctls_describe(connection, savedErrno, &text, text.count)
        let reason = String(cText: text)
        let verdict = ctls_verify_result(connection)
        if verdict != 0 { return TLSError(.certificate, reason + Self.advice(forVerdict: verdict)) }
        switch code {
        case CTLS_ERROR_WANT_READ, CTLS_ERROR_WANT_WRITE:
            return timedOut(during: step)
        case CTLS_ERROR_SYSCALL where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
            return timedOut(during: step)
        case CTLS_ERROR_ZERO_RETURN, CTLS_ERROR_SYSCALL:
            return TLSError(.closed, "the connection was closed during \(step)\(savedErrno != 0 ? ": " + reason : "")")
        default:
            if reason.contains("wrong version number") || reason.contains("packet length too long")
                || reason.contains("record layer failure")
            {
                return TLSError(.handshake, "the server does not speak TLS on this port (\(reason))")
            }
            return TLSError(.handshake, "\(step) failed: \(reason)")
        }
    }

    /// No answer in time; during the handshake, a server that is not speaking TLS on the
    /// port is the likely reason (the caller may find out: see RedisConnection).
    private func timedOut(during step: String) -> TLSError {
        TLSError(
            .timeout, "no answer within the time allowed, during \(step)\(established ? "" : " (is this a TLS port?)")")
    }

    /// What to do about a refused certificate, by OpenSSL's verdict.
    private static func advice(forVerdict verdict: Int) -> String {
        switch verdict {
        case 2, 18, 19, 20, 21:
            " (it is not signed by an authority this machine trusts: name the one that signed it in SWITCHBOARD_REDIS_CA_FILE)"
        case 9, 10: " (renew the server's certificate)"
        case 62, 64: " (it is for another host name than the one in REDIS_URL)"
        default: ""
        }
    }

    private static func setTimeout(_ socket: Int32, milliseconds: Int) {
        var time = timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    // MARK: Contexts

    /// One context per way of checking servers, made once per process: making one reads
    /// the CA bundle. Contexts are never freed; a process has one or two.
    private static let contexts = Mutex<[TLSSettings: Context]>([:])

    /// An `SSL_CTX*`, shared by the connections made with it (OpenSSL locks it itself).
    private struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static func context(for settings: TLSSettings) throws(TLSError) -> OpaquePointer {
        var text = [CChar](repeating: 0, count: 512)
        guard ctls_load(&text, text.count) == 0 else {
            // The marker names the library for `make package`, which bundles it.
            let library = String(cString: ctls_library_marker()).split(separator: "=").last.map(String.init) ?? "libssl"
            throw TLSError(.setup, "cannot load \(library): " + String(cText: text))
        }
        return try contexts.withLock { made throws(TLSError) -> OpaquePointer in
            if let context = made[settings] { return context.pointer }
            guard
                let context = ctls_client_context(
                    settings.caFile ?? SystemTrust.bundle, settings.verifiesPeer ? 1 : 0, &text, text.count)
            else {
                throw TLSError(.setup, String(cText: text))
            }
            made[settings] = Context(pointer: context)
            return context
        }
    }
}

@available(*, unavailable)
extension TLSStream: Sendable {}

extension String {
    /// The text in a C buffer, up to its first NUL.
    init(cText buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
