#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's environment and location, read straight from the C runtime: starting
/// Foundation's `ProcessInfo` for them cost a function process a good part of its
/// start-up.
public enum ProcessEnvironment {
    /// `environ` as a dictionary.
    public static func current() -> [String: String] {
        var values: [String: String] = [:]
        values.reserveCapacity(64)
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                values[String(text[..<equals])] = String(text[text.utf8.index(after: equals)...])
            }
            pointer += 1
        }
        return values
    }

    /// The folder holding this executable.
    public static func executableFolder() -> String {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "." }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }
}
