import Foundation
import Logging
import Testing

@testable import SwitchboardRuntime

@Suite("Log lines")
struct LogLineTests {
    /// The lines a logger writes while `body` runs, in `format`, without their
    /// timestamps (which differ from one line to the next).
    static func lines(format: LogSettings.Format, _ body: (inout Logger) -> Void) -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var logger = Logger(label: "test") {
            LogLineHandler(label: $0, settings: LogSettings(level: .info, format: format), descriptor: fds[1])
        }
        logger[metadataKey: "function"] = "Voice"
        logger[metadataKey: "requestId"] = "req-1"
        body(&logger)
        close(fds[1])
        let output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
            switch format {
            case .json: String(line.drop { $0 != "," })  // after {"timestamp":"…"
            case .text: String(line.drop { $0 != "\t" })
            }
        }
    }

    @Test(
        "a line written from its fields is the line swift-log writes for the same metadata",
        arguments: [LogSettings.Format.json, .text])
    func directLine(format: LogSettings.Format) {
        let lines = Self.lines(format: format) { logger in
            logger.log(
                .info, "voice.answered",
                fields: [("call.sid", "CA1"), ("company.id", "acme \"co\""), ("to", "+1555\n\u{1}")])
            logger.info(
                "voice.answered", metadata: ["to": "+1555\n\u{1}", "company.id": "acme \"co\"", "call.sid": "CA1"])
        }
        #expect(lines.count == 2)
        #expect(lines.first == lines.last)
        #expect(lines.first?.contains("req-1") == true)
    }

    @Test("below the logger's level nothing is written; a field named like the logger's own metadata replaces it")
    func levelAndClash() {
        let lines = Self.lines(format: .json) { logger in
            logger.log(.debug, "hidden", fields: [("a", "b")])
            logger.log(.info, "clash", fields: [("function", "other")])
        }
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""function":"other""#) == true)
        #expect(lines.first?.contains("Voice") == false)
    }
}
