#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-terminated lines from a file descriptor with one buffer and `read(2)`,
/// so a line is handed over as soon as it is complete (no stdio buffering to wait on).
struct LineReader {
    /// What the reader produced.
    enum Line {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A line longer than the limit; its bytes were skipped up to its newline.
        case tooLong
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

    /// The next line, or `nil` at end of input. A last line without a newline counts.
    mutating func next() -> Line? {
        var skipping = false
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
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
            if exhausted || !fill() {
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

    /// Everything left, up to `limit` bytes; `nil` when there was more than that.
    mutating func readAll(limit: Int) -> [UInt8]? {
        while !exhausted {
            if buffer.count - start > limit { return nil }
            if !fill() { exhausted = true }
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

    /// Reads what is available (blocking until something is) and appends it.
    private mutating func fill() -> Bool {
        while true {
            let count = scratch.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress!, raw.count)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: scratch[0..<count])
            return true
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
