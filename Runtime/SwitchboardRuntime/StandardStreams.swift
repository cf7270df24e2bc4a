#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since 1970: the unit of the protocol's deadlines.
package func epochMilliseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
}

/// Reads newline-terminated lines from a file descriptor with one buffer and `read(2)`,
/// so a line is handed over as soon as it is complete (no stdio buffering to wait on).
/// The function's standard input is read this way, and so is a function's output on the
/// driver's side, there with a deadline.
struct LineReader {
    /// What the reader produced.
    enum Line {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A line longer than the limit; its bytes were skipped up to its newline.
        case tooLong
        /// The deadline passed before a line was complete.
        case timedOut
    }

    private let descriptor: Int32
    private let maximumLineBytes: Int
    private var buffer: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var start = 0
    private var exhausted = false

    init(descriptor: Int32, maximumLineBytes: Int) {
        self.descriptor = descriptor
        self.maximumLineBytes = maximumLineBytes
    }

    /// The next line, or `nil` at end of input (a last line without a newline counts).
    ///
    /// - Parameter deadline: when given (milliseconds since 1970), waits no longer than
    ///   that and answers ``Line/timedOut``; without one, waits as long as it takes.
    mutating func next(deadline: Int64? = nil) -> Line? {
        var skipping = false
        var searchFrom = start
        while true {
            if let newline = Self.newline(in: buffer, from: searchFrom) {
                let tooLong = skipping || newline - start > maximumLineBytes
                let line = tooLong ? [] : Array(buffer[start..<newline])
                start = newline + 1
                compact()
                return tooLong ? .tooLong : .line(line)
            }
            if buffer.count - start > maximumLineBytes {
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            searchFrom = buffer.count
            let filled = exhausted ? .end : fill(deadline: deadline)
            if filled == .timedOut { return .timedOut }
            if filled == .end {
                exhausted = true
                guard start < buffer.count || skipping else { return nil }
                let tooLong = skipping || buffer.count - start > maximumLineBytes
                let line = tooLong ? [] : Array(buffer[start...])
                buffer.removeAll()
                start = 0
                return tooLong ? .tooLong : .line(line)
            }
        }
    }

    /// The index of the first newline in `bytes` at or after `start` (`memchr`).
    private static func newline(in bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            memchr(buffer.baseAddress! + start, 0x0A, buffer.count - start).map {
                buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Everything left, up to `limit` bytes; `nil` when there was more than that.
    mutating func readAll(limit: Int) -> [UInt8]? {
        while !exhausted {
            if buffer.count - start > limit { return nil }
            if fill(deadline: nil) != .data { exhausted = true }
        }
        let rest = Array(buffer[start...])
        return rest.count > limit ? nil : rest
    }

    private mutating func compact() {
        if start > 65_536 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private enum Fill { case data, end, timedOut }

    /// Reads what is available (waiting until something is, or the deadline) and appends it.
    private mutating func fill(deadline: Int64?) -> Fill {
        while true {
            if let deadline {
                let remaining = deadline - epochMilliseconds()
                guard remaining > 0 else { return .timedOut }
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(min(remaining, Int64(Int32.max))))
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 { return .timedOut }
                if ready < 0 { return .end }
            }
            let count = scratch.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress!, raw.count)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .end }
            buffer.append(contentsOf: scratch[0..<count])
            return .data
        }
    }
}

/// Writes whole byte strings to a file descriptor, retrying short writes and EINTR.
enum RawOutput {
    /// Writes `bytes` fully; false when the other end is gone.
    @discardableResult
    static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}

/// Standard error, for the few lines a function writes itself rather than through its
/// logger (CloudWatch's embedded metric format, whose numbers must stay numbers).
public enum StandardError {
    /// Writes `line` and a newline, whole.
    public static func writeLine(_ line: String) {
        RawOutput.write(Array((line + "\n").utf8), to: 2)
    }
}
