import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler writing one JSON object per line to standard error:
///
///     {"time":"2026-11-25T22:07:01.123Z","level":"info","message":"call.answered","function":"Voice","request.id":"…","company.id":"…"}
///
/// Standard output belongs to the event protocol, so nothing is ever logged there.
/// Each line is written with a single `write(2)`, so lines from one process never
/// interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let descriptor: Int32

    /// A handler for `label`, writing lines at `level` and above to `descriptor`.
    public init(label: String, level: Logger.Level = .info, descriptor: Int32 = 2) {
        self.label = label
        self.logLevel = level
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"time\":\""
        line += Self.timestamp()
        line += "\",\"level\":\""
        line += event.level.rawValue
        line += "\",\"message\":"
        JSONText.appendString(event.message.description, to: &line)
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            line += ","
            JSONText.appendString(key, to: &line)
            line += ":"
            Self.append(merged[key]!, to: &line)
        }
        line += "}\n"
        RawOutput.write(Array(line.utf8), to: descriptor)
    }

    /// The level named by `LOG_LEVEL` (`trace` … `critical`), or `info`.
    public static func level(from environment: [String: String]) -> Logger.Level {
        environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
    }

    private static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text):
            JSONText.appendString(text, to: &line)
        case .stringConvertible(let convertible):
            JSONText.appendString(convertible.description, to: &line)
        case .array(let items):
            line += "["
            for (index, item) in items.enumerated() {
                if index > 0 { line += "," }
                append(item, to: &line)
            }
            line += "]"
        case .dictionary(let dictionary):
            line += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                JSONText.appendString(key, to: &line)
                line += ":"
                append(dictionary[key]!, to: &line)
            }
            line += "}"
        }
    }

    /// Now, in UTC, as ISO 8601 with milliseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}

/// JSON text helpers for the few places that write JSON by hand.
enum JSONText {
    /// Appends `text` as a quoted JSON string.
    static func appendString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
