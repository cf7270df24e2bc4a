import Logging
import SwitchboardBase
import SwitchboardJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler writing one line per event to standard error, in the format
/// Lambda's logging configuration asks for (see ``LogSettings``). In JSON:
///
///     {"timestamp":"2026-11-25T22:07:01.123Z","level":"INFO","message":"call.answered","requestId":"…","company.id":"…","function":"Voice"}
///
/// `timestamp` (RFC 3339, UTC, milliseconds), `level` (Lambda's names) and `requestId`
/// are the keys Lambda's own JSON logs use, so Lambda can filter on them; the rest of
/// the metadata follows. In text, the same facts are tab-separated:
///
///     2026-11-25T22:07:01.123Z	INFO	call.answered	requestId=…	company.id=…	function=Voice
///
/// Standard output belongs to the event protocol, so nothing is ever logged there.
/// Each line is written with a single `write(2)`, so lines from one process never
/// interleave. The handler's own metadata (the function, the request id) is encoded
/// once when it is set, not for every line; the request id, which changes with every
/// invocation, is kept and encoded apart from the rest, so setting it encodes only it.
public struct LogLineHandler: LogHandler {
    public var logLevel: Logger.Level
    /// The metadata every line carries, `requestId` among it.
    public var metadata: Logger.Metadata {
        get {
            var all = otherMetadata
            if let requestID { all[Self.requestIDKey] = requestID }
            return all
        }
        set {
            var others = newValue
            requestID = others.removeValue(forKey: Self.requestIDKey)
            otherMetadata = others
        }
    }
    private let format: LogSettings.Format
    private let descriptor: Int32
    /// The metadata's `requestId`, and its field as this format writes it.
    private var requestID: Logger.Metadata.Value? {
        didSet { encodedRequestID = requestID.map { Self.encode([(Self.requestIDKey, $0)], format: format) } ?? [] }
    }
    private var encodedRequestID: [UInt8] = []
    /// The rest of the metadata, and its fields as this format writes them (each with
    /// its leading separator, sorted by key).
    private var otherMetadata: Logger.Metadata = [:] {
        didSet { encodedOtherMetadata = Self.encode(otherMetadata, format: format) }
    }
    private var encodedOtherMetadata: [UInt8] = []

    private static let requestIDKey = "requestId"

    /// A handler writing lines at `settings.level` and above, in `settings.format`, to
    /// `descriptor`.
    public init(label: String, settings: LogSettings, descriptor: Int32 = 2) {
        self.logLevel = settings.level
        self.format = settings.format
        self.descriptor = descriptor
    }

    /// A JSON handler writing lines at `level` and above to `descriptor`.
    public init(label: String, level: Logger.Level = .info, descriptor: Int32 = 2) {
        self.init(label: label, settings: LogSettings(level: level), descriptor: descriptor)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { key == Self.requestIDKey ? requestID : otherMetadata[key] }
        set {
            if key == Self.requestIDKey { requestID = newValue } else { otherMetadata[key] = newValue }
        }
    }

    public func log(event: LogEvent) {
        var line = lineStart(event.level, event.message.description)
        if let extra = event.metadata, !extra.isEmpty {
            // The logger's own keys are fewer than an event's: look those up.
            if (requestID != nil && extra[Self.requestIDKey] != nil)
                || otherMetadata.keys.contains(where: { extra[$0] != nil })
            {
                // An event's value for a key the logger already carries replaces it.
                line += Self.encode(metadata.merging(extra) { _, new in new }, format: format)
            } else {
                line += encodedRequestID
                line += encodedOtherMetadata
                line += Self.encode(extra, format: format)
            }
        } else {
            line += encodedRequestID
            line += encodedOtherMetadata
        }
        finish(&line)
    }

    /// Writes a line with `fields` after the handler's own metadata, in key order,
    /// straight into the line's bytes: the line ``log(event:)`` writes for the same
    /// metadata. False, and nothing written, when a
    /// field's key is one of the handler's own (whose value the field would replace).
    func write(_ level: Logger.Level, _ message: String, fields: [(key: String, value: String)]) -> Bool {
        // The handler's own keys are a few: compared one by one, not hashed.
        for field in fields
        where field.key == Self.requestIDKey || otherMetadata.keys.contains(where: { $0 == field.key }) {
            return false
        }
        var line = lineStart(level, message)
        line += encodedRequestID
        line += encodedOtherMetadata
        // Sorted only when they are not already: checking costs a warm event a few hundred
        // instructions, sorting every time some 2,500 (make bench).
        let inOrder = fields.indices.dropFirst().allSatisfy { utf8Order(fields[$0 - 1].key, fields[$0].key) <= 0 }
        for field in inOrder ? fields : fields.sorted(by: { utf8Order($0.key, $1.key) < 0 }) {
            switch format {
            case .json:
                line.append(UInt8(ascii: ","))
                JSONText.appendString(field.key, to: &line)
                line.append(UInt8(ascii: ":"))
                JSONText.appendString(field.value, to: &line)
            case .text:
                line.append(0x09)
                Self.appendText(field.key, to: &line)
                line.append(UInt8(ascii: "="))
                Self.appendText(field.value, to: &line)
            }
        }
        finish(&line)
        return true
    }

    /// A line's timestamp, level and message.
    private func lineStart(_ level: Logger.Level, _ message: String) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256 + encodedRequestID.count + encodedOtherMetadata.count)
        let levelName = LogSettings.lambdaName(of: level)
        switch format {
        case .json:
            line.append(literal: #"{"timestamp":""#)
            Self.appendTimestamp(to: &line)
            line.append(literal: #"","level":""#)
            line.append(utf8Of: levelName)
            line.append(literal: #"","message":"#)
            JSONText.appendString(message, to: &line)
        case .text:
            Self.appendTimestamp(to: &line)
            line.append(0x09)
            line.append(utf8Of: levelName)
            line.append(0x09)
            Self.appendText(message, to: &line)
        }
        return line
    }

    /// Ends `line` and writes it with one `write(2)`.
    private func finish(_ line: inout [UInt8]) {
        if format == .json { line.append(UInt8(ascii: "}")) }
        line.append(0x0A)
        RawOutput.write(line, to: descriptor)
    }

    /// `metadata` as fields of `format`, `requestId` first and the rest by key.
    private static func encode(_ metadata: Logger.Metadata, format: LogSettings.Format) -> [UInt8] {
        encode(
            metadata.sorted { left, right in
                left.key == requestIDKey || (right.key != requestIDKey && utf8Order(left.key, right.key) < 0)
            }, format: format)
    }

    /// Fields of `format`, in the order given.
    private static func encode(_ fields: [(key: String, value: Logger.Metadata.Value)], format: LogSettings.Format)
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.count * 64)
        for (key, value) in fields {
            switch format {
            case .json:
                bytes.append(UInt8(ascii: ","))
                JSONText.appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                appendJSON(value, to: &bytes)
            case .text:
                bytes.append(0x09)
                appendText(key, to: &bytes)
                bytes.append(UInt8(ascii: "="))
                switch value {
                case .string(let text): appendText(text, to: &bytes)
                case .stringConvertible(let value): appendText(value.description, to: &bytes)
                case let other: appendJSON(other, to: &bytes)
                }
            }
        }
        return bytes
    }

    private static func appendJSON(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text):
            JSONText.appendString(text, to: &bytes)
        case .stringConvertible(let convertible):
            JSONText.appendString(convertible.description, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendJSON(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                appendJSON(dictionary[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` for a text-format line: control characters (tabs and newlines
    /// among them) become spaces, so one event stays one line with its fields apart.
    private static func appendText(_ text: String, to bytes: inout [UInt8]) {
        for byte in text.utf8 { bytes.append(byte < 0x20 || byte == 0x7F ? 0x20 : byte) }
    }

    /// Now, in UTC, as RFC 3339 with milliseconds: `2026-11-25T22:07:01.123Z`.
    static func timestamp() -> String {
        var bytes: [UInt8] = []
        appendTimestamp(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date and time to the second of the last line written (`2026-11-25T22:07:01.`):
    /// lines within one second reuse it instead of converting the time again.
    private static let lastSecond = Mutex<(seconds: Int, text: [UInt8])>((-1, []))

    private static func appendTimestamp(to bytes: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let cached: [UInt8]? = lastSecond.withLock { $0.seconds == now.tv_sec ? $0.text : nil }
        if let cached {
            bytes += cached
            appendDigits(Int(now.tv_nsec / 1_000_000), width: 3, to: &bytes)
            bytes.append(UInt8(ascii: "Z"))
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: ISO8601Time.length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer in
            ISO8601Time.write(
                seconds: now.tv_sec, milliseconds: now.tv_nsec / 1_000_000,
                into: UnsafeMutableBufferPointer(rebasing: buffer[start...]))
        }
        guard written > 0 else {
            bytes.removeLast(ISO8601Time.length)
            return
        }
        // What comes before the milliseconds, for the next lines of this second.
        let prefix = Array(bytes[start..<start + ISO8601Time.length - 4])
        lastSecond.withLock { $0 = (now.tv_sec, prefix) }
    }

    private static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var value = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            value %= divisor
            divisor /= 10
        }
    }
}

extension Logger {
    /// Logs `message` at `level` with `fields` as string values: for the line every
    /// invocation writes (a call answered, a message handled), its fields in key order
    /// as on every other line. With Switchboard's ``LogLineHandler`` the
    /// line is written straight from the fields, with no metadata dictionary built on
    /// the way; with any other handler it goes through swift-log as usual.
    public func log(_ level: Logger.Level, _ message: String, fields: [(key: String, value: String)]) {
        guard level >= logLevel else { return }
        if let lines = handler as? LogLineHandler, lines.write(level, message, fields: fields) { return }
        var metadata: Metadata = [:]
        for field in fields { metadata[field.key] = .string(field.value) }
        log(level: level, "\(message)", metadata: metadata)
    }
}
