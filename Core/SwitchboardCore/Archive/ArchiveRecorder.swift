import Dispatch
import Logging
import SwitchboardBase
import SwitchboardJSON
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes a call's or message's record **before** the function answers — on Lambda,
/// work left after the reply may be frozen and never finish — within a bound
/// (`SWITCHBOARD_ARCHIVE_TIMEOUT_MS`, default 300), so a slow or absent store costs a
/// call at most that long and never changes its TwiML.
///
/// A write that fails or runs late is logged as one `archive.write_failed` JSON line
/// carrying the whole record (no secret is ever in one); `switchboard archive import`
/// writes such lines back, idempotently, merged with whatever the store gained meanwhile
/// (a status callback, a recording) by the one merge every backend applies
/// (``ArchiveRecord/merging(_:)``): what either knew is kept.
///
/// The embedded store's write runs right here, bounded by its lock timeout; a MongoDB
/// write runs on the recorder's own thread, and the function waits for it at most the
/// bound. A late write may still land afterwards: the record's sid keeps it single.
public final class ArchiveRecorder {
    /// The default bound on one write.
    public static let defaultTimeoutMilliseconds = 300
    /// Writes waiting for the recorder's thread beyond which new ones are logged, not queued.
    static let maximumPending = 64

    public let archive: any CallArchive
    public let timeoutMilliseconds: Int
    private let worker = DispatchQueue(label: "switchboard.archive")
    private let pending = PendingWrites()

    public init(archive: any CallArchive, timeoutMilliseconds: Int = ArchiveRecorder.defaultTimeoutMilliseconds) {
        self.archive = archive
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// `SWITCHBOARD_ARCHIVE`: `on` (the default) records every call and message; `off`
    /// keeps no archive at all.
    public static func isEnabled(_ environment: Environment) throws(ConfigurationError) -> Bool {
        switch environment["SWITCHBOARD_ARCHIVE"]?.lowercased() {
        case nil, "on": return true
        case "off": return false
        default: throw ConfigurationError(variable: "SWITCHBOARD_ARCHIVE", problem: "must be on or off")
        }
    }

    /// `SWITCHBOARD_ARCHIVE_TIMEOUT_MS`: how long one write may hold up an answer.
    public static func timeout(_ environment: Environment) throws(ConfigurationError) -> Int {
        try environment.integer(
            "SWITCHBOARD_ARCHIVE_TIMEOUT_MS", default: defaultTimeoutMilliseconds, range: 1...10_000)
    }

    /// Records `record` within the bound: merged into a stored record of its sid, or, as
    /// an `arrival` (a call's or message's first record, at the webhook it arrived at),
    /// inserted when its sid is new (``CallArchive/recordArrival(_:)``).
    ///
    /// - Returns: true when the record is stored; false when it was logged instead.
    @discardableResult
    public func record(_ record: ArchiveRecord, arrival: Bool = false, logger: Logger) -> Bool {
        guard archive.writesOverNetwork else {
            do {
                try arrival ? archive.recordArrival(record) : archive.record(record)
                return true
            } catch {
                logFailure(record, "\(error)", logger: logger)
                return false
            }
        }
        let queued = pending.count.withLock { count -> Bool in
            guard count < Self.maximumPending else { return false }
            count += 1
            return true
        }
        guard queued else {
            logFailure(record, "\(Self.maximumPending) earlier writes are still waiting for the store", logger: logger)
            return false
        }
        let outcome = WriteOutcome()
        let done = DispatchSemaphore(value: 0)
        let archive = WorkerArchive(archive: self.archive)
        let pending = self.pending
        worker.async {
            var failure: ArchiveError?
            do throws(ArchiveError) {
                try arrival ? archive.archive.recordArrival(record) : archive.archive.record(record)
            } catch { failure = error }
            outcome.error.withLock { [failure] in $0 = failure }
            pending.count.withLock { $0 -= 1 }
            done.signal()
        }
        guard done.wait(timeout: .now() + .milliseconds(timeoutMilliseconds)) == .success else {
            logFailure(
                record, "the store did not answer within \(timeoutMilliseconds) ms (SWITCHBOARD_ARCHIVE_TIMEOUT_MS)",
                logger: logger)
            return false
        }
        if let error = outcome.error.withLock({ $0 }) {
            logFailure(record, "\(error)", logger: logger)
            return false
        }
        return true
    }

    private func logFailure(_ record: ArchiveRecord, _ reason: String, logger: Logger) {
        logger.error(
            "archive.write_failed",
            metadata: [
                "company.id": "\(record.companyId)", "error": "\(reason)", "record": record.logMetadata,
                "recovery": "switchboard archive import < this log",
            ])
    }
}

/// The archive as the recorder's thread uses it. Only an archive that writes over the
/// network goes there, MongoDB's, whose writes go through libmongoc's thread-safe pool
/// (a client per command) and whose own state is behind a mutex.
private struct WorkerArchive: @unchecked Sendable {
    let archive: any CallArchive
}

/// How many writes wait for the recorder's thread.
private final class PendingWrites: Sendable {
    let count = Mutex(0)
}

/// One write's result, handed from the recorder's thread.
private final class WriteOutcome: Sendable {
    let error = Mutex<ArchiveError?>(nil)
}

extension ArchiveRecord {
    /// The whole record as log metadata: a JSON object in the log line, every field the
    /// record has (a log line's values are texts, so numbers and booleans are written as
    /// texts; ``fromLog(_:)`` reads them back).
    public var logMetadata: Logger.Metadata.Value {
        guard case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: Data(jsonText.utf8)) else {
            return .dictionary(["sid": .string(sid), "companyId": .string(companyId)])
        }
        func value(_ json: JSONValue) -> Logger.Metadata.Value {
            switch json {
            case .array(let items): .array(items.map(value))
            case .object(let fields): .dictionary(fields.mapValues(value))
            case .bool(let flag): .string(flag ? "true" : "false")
            case .null: .string("")
            case .number(let text), .string(let text): .string(text)
            }
        }
        return .dictionary(members.mapValues(value))
    }

    /// The records that `archive.write_failed` lines of a log carry, read back for
    /// `switchboard archive import`; other lines are skipped.
    ///
    /// - Returns: the records, and how many `archive.write_failed` lines could not be read.
    public static func fromLog(_ lines: some Sequence<Substring>) -> (records: [ArchiveRecord], unreadable: Int) {
        var records: [ArchiveRecord] = []
        var unreadable = 0
        for line in lines where line.contains("archive.write_failed") {
            guard let parsed = try? JSONDecoder().decode(FailedWriteLine.self, from: Data(line.utf8)) else {
                unreadable += 1
                continue
            }
            guard parsed.message == "archive.write_failed" else { continue }
            guard let record = parsed.record.flatMap(Self.init(logged:)), isValidSid(record.sid),
                (try? CompanyID(record.companyId)) != nil,
                Timestamp.parse(record.at) != nil
            else {
                unreadable += 1
                continue
            }
            records.append(record)
        }
        return (records, unreadable)
    }

    /// The fields of a record whose values are numbers or booleans, which a log line
    /// carries as texts.
    private static let numericFields: Set<String> = ["durationSeconds", "dialDurationSeconds", "statusOrder"]
    private static let booleanFields: Set<String> = ["answered"]

    /// A record from the JSON object a log line carries (see ``logMetadata``).
    init?(logged object: [String: JSONValue]) {
        var fields = object
        for (key, member) in object {
            guard case .string(let text) = member else { continue }
            if Self.numericFields.contains(key) { fields[key] = Int(text).map { .number(String($0)) } }
            if Self.booleanFields.contains(key) {
                fields[key] = text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
            }
        }
        guard let data = try? JSONEncoder().encode(JSONValue.object(fields)),
            let record = try? JSONDecoder().decode(ArchiveRecord.self, from: data)
        else {
            return nil
        }
        self = record
    }
}

/// The part of an `archive.write_failed` log line import reads.
private struct FailedWriteLine: Decodable {
    let message: String
    let record: [String: JSONValue]?
}
