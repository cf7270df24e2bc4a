import Foundation
import Logging
import SQLiteDriver
import TestSupport
import Testing

@testable import SwitchboardCore

/// The archive's contract, run unchanged against both backends.
@Suite("Call archive (every backend)")
struct CallArchiveTests {
    static func archive(_ backend: String) throws -> any CallArchive {
        try TestStores.make(backend).archive(ArchiveSettings())
    }

    static func call(_ sid: String, company: String = "c1", at: String = "2026-11-27T10:00:00.000Z") -> ArchiveRecord {
        var record = ArchiveRecord(sid: sid, kind: .call, companyId: company, at: at)
        record.from = "+15557654321"
        record.to = "+15550100001"
        record.decision = "voicemail"
        return record
    }

    @Test(
        "a record reads back; a repeat (Twilio's retry, the fallback URL) changes nothing",
        arguments: ["sqlite", "mongodb"])
    func idempotent(backend: String) throws {
        let archive = try Self.archive(backend)
        let first = Self.call("CA" + String(repeating: "1", count: 32))
        try archive.record(first)
        var retry = first
        retry.decision = "forward"  // a retry decided differently is still the same call
        try archive.record(retry)
        try archive.record(first)
        let stored = try archive.records(companyID: try CompanyID("c1"), since: nil, kind: nil, limit: 10)
        #expect(stored == [first])
    }

    @Test("the voicemail's recording joins its call's record", arguments: ["sqlite", "mongodb"])
    func recordingMerged(backend: String) throws {
        let archive = try Self.archive(backend)
        let sid = "CA" + String(repeating: "2", count: 32)
        try archive.record(Self.call(sid))
        var recording = Self.call(sid, at: "2026-11-27T10:02:00.000Z")
        recording.recordingSid = "RE" + String(repeating: "3", count: 32)
        recording.recordingUrl = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE3"
        recording.recordingDuration = "14"
        try archive.record(recording)
        try archive.record(recording)
        let stored = try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .call, limit: 10)
        #expect(stored.count == 1)
        #expect(stored.first?.recordingSid == recording.recordingSid && stored.first?.recordingDuration == "14")
        #expect(stored.first?.at == "2026-11-27T10:00:00.000Z")  // the call's time, not the callback's
    }

    /// A status callback's record for `sid`, as ``ArchiveRecord/init(statusCallback:kind:tenant:at:)`` makes it.
    static func outcome(
        _ sid: String, kind: ArchiveRecord.Kind = .call, _ status: String, sequence: Int? = nil,
        extra: [(String, String)] = []
    ) throws -> ArchiveRecord {
        var parameters: [(String, String)] = [
            (kind == .call ? "CallSid" : "MessageSid", sid), (kind == .call ? "CallStatus" : "MessageStatus", status),
            ("AccountSid", "AC" + String(repeating: "a", count: 32)), ("From", "+15557654321"), ("To", "+15550100001"),
        ]
        if let sequence { parameters.append(("SequenceNumber", String(sequence))) }
        let tenant = TenantSnapshot(Company(id: try CompanyID("c1"), name: "C1", twilio: TwilioConfig()))
        return try #require(
            ArchiveRecord(
                statusCallback: FormParameters(parameters + extra), kind: kind, tenant: tenant,
                at: Date(timeIntervalSince1970: 1_800_000_000)))
    }

    @Test(
        "status callbacks: a call's outcome joins its record, never moves backwards (late, repeated, out of order), and makes the record of a sid it has not seen",
        arguments: ["sqlite", "mongodb"])
    func outcomes(backend: String) throws {
        let archive = try Self.archive(backend)
        let sid = "CA" + String(repeating: "4", count: 32)
        try archive.record(Self.call(sid))
        try archive.record(try Self.outcome(sid, "ringing", sequence: 0))
        try archive.record(try Self.outcome(sid, "completed", sequence: 2, extra: [("CallDuration", "37")]))
        try archive.record(try Self.outcome(sid, "in-progress", sequence: 1))  // late
        try archive.record(try Self.outcome(sid, "ringing", sequence: 0))  // repeated and late
        var stored = try #require(
            try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .call, limit: 10).first)
        #expect(
            stored.status == "completed" && stored.answered == true && stored.durationSeconds == 37
                && stored.endedAt == "2027-01-15T08:00:00.000Z")
        #expect(stored.decision == "voicemail" && stored.at == "2026-11-27T10:00:00.000Z")

        // A message: delivered is final; a late sent changes nothing, read still follows.
        let message = "SM" + String(repeating: "5", count: 32)
        try archive.record(try Self.outcome(message, kind: .message, "delivered"))
        try archive.record(try Self.outcome(message, kind: .message, "sent"))
        stored = try #require(
            try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .message, limit: 10).first)
        #expect(stored.status == "delivered" && stored.direction == "inbound" && stored.from == "+15557654321")
        try archive.record(try Self.outcome(message, kind: .message, "read"))
        #expect(
            try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .message, limit: 10).first?.status
                == "read")

        // A failed message keeps Twilio's error; an unknown status never replaces a known one.
        let failed = "SM" + String(repeating: "6", count: 32)
        try archive.record(
            try Self.outcome(
                failed, kind: .message, "undelivered",
                extra: [("ErrorCode", "30003"), ("ErrorMessage", "Unreachable destination handset")]))
        try archive.record(try Self.outcome(failed, kind: .message, "exploded"))
        let undelivered = try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .message, limit: 10)
            .first { $0.sid == failed }
        #expect(
            undelivered?.status == "undelivered" && undelivered?.errorCode == "30003"
                && undelivered?.errorMessage == "Unreachable destination handset")
        #expect(undelivered?.endedAt != nil)
    }

    /// A record as `switchboard archive import` restores it: what the webhook knew.
    static func imported(_ sid: String) -> ArchiveRecord {
        var record = call(sid)
        record.accountSid = "AC" + String(repeating: "a", count: 32)
        record.decision = "forward"
        record.dialStatus = "no-answer"
        record.forwardFallback = "voicemail"
        return record
    }

    @Test(
        "one merge: an import after a status callback, or a callback after an import, keeps what each knew, on both backends",
        arguments: ["sqlite", "mongodb"])
    func mergeInBothOrders(backend: String) throws {
        let archive = try Self.archive(backend)
        let company = try CompanyID("c1")
        func stored(_ sid: String) throws -> ArchiveRecord {
            try #require(
                try archive.records(companyID: company, since: nil, kind: .call, limit: 50).first { $0.sid == sid })
        }
        // The status callback first (it makes a record of its own), then the import.
        let callbackFirst = "CA" + String(repeating: "7", count: 32)
        try archive.record(try Self.outcome(callbackFirst, "completed", sequence: 2, extra: [("CallDuration", "12")]))
        try archive.record(Self.imported(callbackFirst))
        // The import first, then the callback.
        let importFirst = "CA" + String(repeating: "8", count: 32)
        try archive.record(Self.imported(importFirst))
        try archive.record(try Self.outcome(importFirst, "completed", sequence: 2, extra: [("CallDuration", "12")]))
        for sid in [callbackFirst, importFirst] {
            let record = try stored(sid)
            #expect(record.decision == "forward" && record.dialStatus == "no-answer", "\(sid)")
            #expect(
                record.forwardFallback == "voicemail" && record.from == "+15557654321" && record.to == "+15550100001")
            #expect(record.status == "completed" && record.durationSeconds == 12 && record.answered == true)
        }
        // Both orders end the same, but for who came first's time.
        var first = try stored(callbackFirst)
        var second = try stored(importFirst)
        (first.sid, first.at, second.sid, second.at) = ("", "", "", "")
        #expect(first == second)
        // And the merge is the one ArchiveRecord defines.
        let merged = try Self.outcome(callbackFirst, "completed", sequence: 2, extra: [("CallDuration", "12")])
            .merging(Self.imported(callbackFirst))
        #expect(try stored(callbackFirst) == merged)
    }

    @Test("a retry adds nothing and changes nothing; a text that looks like a key does not hide a missing field")
    func retryAndLookalike() throws {
        var first = Self.call("CA" + String(repeating: "9", count: 32))
        first.decision = nil
        first.body = #"he said "decision": "forward", "statusOrder": 99"#
        #expect(!first.mayAdd(toStored: first.jsonText))
        var later = first
        later.decision = "voicemail"
        #expect(later.mayAdd(toStored: first.jsonText))
        for backend in ["sqlite", "mongodb"] {
            let archive = try Self.archive(backend)
            try archive.record(first)
            try archive.record(first)
            try archive.record(later)
            let stored = try archive.records(companyID: try CompanyID("c1"), since: nil, kind: .call, limit: 5)
            #expect(
                stored.count == 1 && stored.first?.decision == "voicemail" && stored.first?.body == first.body,
                "\(backend)")
        }
        var callback = try Self.outcome("CA" + String(repeating: "9", count: 32), "completed", sequence: 2)
        #expect(callback.mayAdd(toStored: first.jsonText))  // an outcome the stored record lacks
        callback = try Self.outcome("CA" + String(repeating: "9", count: 32), "ringing", sequence: 0)
        let completed = try Self.outcome("CA" + String(repeating: "9", count: 32), "completed", sequence: 2)
        #expect(!callback.mayAdd(toStored: first.merging(completed).jsonText))  // a late one
    }

    @Test(
        "an arrival (a webhook's first record) is inserted when its sid is new and leaves a stored one as it is; record merges",
        arguments: ["sqlite", "mongodb"])
    func arrival(backend: String) throws {
        let archive = try Self.archive(backend)
        let sid = "CA" + String(repeating: "b", count: 32)
        try archive.recordArrival(Self.call(sid))
        var retry = Self.call(sid, at: "2026-11-27T10:00:05.000Z")
        retry.keyword = "STOP"  // what a retry says, the stored record is left without
        try archive.recordArrival(retry)
        let company = try CompanyID("c1")
        #expect(try archive.records(companyID: company, since: nil, kind: .call, limit: 5) == [Self.call(sid)])
        try archive.record(retry)
        let merged = try archive.records(companyID: company, since: nil, kind: .call, limit: 5)
        #expect(merged == [Self.call(sid).merging(retry)] && merged.first?.keyword == "STOP")
    }

    @Test(
        "newest first, per company, by kind, since a time, limited; prune deletes what is older",
        arguments: ["sqlite", "mongodb"])
    func queries(backend: String) throws {
        let archive = try Self.archive(backend)
        for minute in 0..<6 {
            try archive.record(
                Self.call("CA" + String(repeating: "\(minute)", count: 32), at: "2026-11-27T10:0\(minute):00.000Z"))
        }
        var message = ArchiveRecord(
            sid: "SM" + String(repeating: "9", count: 32), kind: .message, companyId: "c1",
            at: "2026-11-27T10:03:30.000Z")
        message.body = "Hi ✓"
        message.mediaUrls = ["https://x.example/m"]
        message.keyword = nil
        try archive.record(message)
        try archive.record(
            Self.call("CA" + String(repeating: "a", count: 32), company: "c2", at: "2026-11-27T10:05:30.000Z"))
        let id = try CompanyID("c1")
        let all = try archive.records(companyID: id, since: nil, kind: nil, limit: 100)
        #expect(all.count == 7)
        #expect(all.map(\.at) == all.map(\.at).sorted(by: >))
        #expect(try archive.records(companyID: id, since: nil, kind: .message, limit: 100) == [message])
        #expect(
            try archive.records(companyID: id, since: Timestamp.parse("2026-11-27T10:04:00Z"), kind: .call, limit: 100)
                .count == 2)
        #expect(try archive.records(companyID: id, since: nil, kind: nil, limit: 3).count == 3)
        #expect(try archive.prune(before: try #require(Timestamp.parse("2026-11-27T10:02:00Z"))) == 2)
        #expect(try archive.records(companyID: id, since: nil, kind: nil, limit: 100).count == 5)
        #expect(try archive.records(companyID: try CompanyID("c2"), since: nil, kind: nil, limit: 100).count == 1)
    }

    @Test(
        "on the directory's connection: another process's write lock fails a write with the cause named, after the archive's own wait; lookups go on; the next write lands"
    )
    func sharedConnectionUnderLock() throws {
        let path = try TestPaths.temporaryFolder().appendingPathComponent("s.sqlite").path
        let directory = try SQLiteTenantDirectory(path: path)
        try directory.save(DirectoryFixtures.company("65a1f0c2e4b0a1a2b3c4d5e1", list: [("+15550100001", "active")]))
        let archive = SQLiteCallArchive(sharingConnectionOf: directory, lockTimeoutMilliseconds: 20)
        let company = try CompanyID("65a1f0c2e4b0a1a2b3c4d5e1")
        try archive.record(Self.call("CA" + String(repeating: "1", count: 32), company: company.rawValue))

        let shared = try directory.sharedDatabase()
        func wait(_ database: SQLiteDatabase) throws -> String? {
            try database.prepare("PRAGMA busy_timeout").rows([]).first?.first ?? nil
        }
        #expect(try shared.withBusyTimeout(20) { try wait(shared) } == "20")
        #expect(try wait(shared) == "2000")  // the directory's own wait, back after the archive's

        let other = try SQLiteDatabase(path: path)  // another process, mid-write
        try other.execute("BEGIN IMMEDIATE")
        let held = Self.call("CA" + String(repeating: "2", count: 32), company: company.rawValue)
        let error = #expect(throws: ArchiveError.self) { try archive.record(held) }
        #expect(error?.description.contains("locked") == true)
        #expect(try directory.tenant(servingNumber: DirectoryFixtures.number("+15550100001"))?.companyID == company)
        #expect(try wait(shared) == "2000")
        try other.execute("COMMIT")

        try archive.record(held)
        #expect(
            try archive.records(companyID: company, since: nil, kind: nil, limit: 10).map(\.sid).sorted() == [
                "CA" + String(repeating: "1", count: 32), "CA" + String(repeating: "2", count: 32),
            ])
    }

    @Test("archive.write_failed lines read back into records; other lines and damaged ones are not")
    func importFromLog() throws {
        let record = Self.call("CA" + String(repeating: "4", count: 32))
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        logger.error("archive.write_failed", metadata: ["record": record.logMetadata])
        let lines =
            handler.lines + [
                #"{"message":"voice.answered"}"#,
                #"{"message":"archive.write_failed","record":{"sid":"../../x","kind":"call","companyId":"c1","direction":"inbound","at":"2026-11-27T10:00:00.000Z"}}"#,
                "not json archive.write_failed",
            ]
        let (records, unreadable) = ArchiveRecord.fromLog(lines.map { Substring($0) })
        #expect(records == [record])
        #expect(unreadable == 2)
    }

    @Test(
        "MongoDB unreachable: the recorder gives up within its bound and logs the whole record", .timeLimit(.minutes(1))
    )
    func boundedWhenDown() throws {
        let server = try MongoTestServer()
        let directory = try MongoTenantDirectory(
            uri: server.uri + "/archive?serverSelectionTimeoutMS=3000", appName: "switchboard-tests")
        server.stop()
        let recorder = ArchiveRecorder(archive: MongoCallArchive(sharingPoolOf: directory), timeoutMilliseconds: 200)
        let handler = CapturingLogHandler()
        let record = Self.call("CA" + String(repeating: "5", count: 32))
        let written = recorder.record(record, logger: Logger(label: "test") { _ in handler })
        #expect(!written)
        let line = try #require(handler.lines.first { $0.contains("archive.write_failed") })
        #expect(ArchiveRecord.fromLog([Substring(line)]).records == [record])
    }
}

/// Keeps the JSON lines a logger writes, formatted as the functions' log handler does.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var captured: [String] = []
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    var lines: [String] { lock.withLock { captured } }

    func log(event: LogEvent) {
        var object: [String: Any] = ["level": event.level.rawValue, "message": event.message.description]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = Self.plain(value)
        }
        let line = String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
        lock.withLock { captured.append(line) }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let items): items.map(plain)
        case .dictionary(let fields): fields.mapValues(plain)
        }
    }

    @Test("a record's hand-written JSON reads back through JSONDecoder, whatever its text holds")
    func jsonTextRoundTrip() throws {
        let awkward = [
            "", "plain", "quote \" and \\ backslash", "line\nbreak\ttab\u{1}\u{1F}", "é 😀 \u{2028}", "</script>",
            "{\"a\":1}",
        ]
        for round in 0..<300 {
            var record = ArchiveRecord(
                sid: "CA\(round)", kind: round % 2 == 0 ? .call : .message, companyId: "c\(round)",
                at: "2026-11-27T10:00:00.000Z")
            func maybe() -> String? { Bool.random() ? awkward.randomElement()! : nil }
            record.accountSid = maybe()
            record.from = maybe()
            record.to = maybe()
            record.decision = maybe()
            record.body = maybe()
            record.keyword = maybe()
            record.recordingSid = maybe()
            record.recordingUrl = maybe()
            record.recordingDuration = maybe()
            record.status = maybe()
            record.endedAt = maybe()
            record.errorCode = maybe()
            record.errorMessage = maybe()
            record.statusOrder = Bool.random() ? Int.random(in: -5...7_999) : nil
            record.answered = Bool.random() ? Bool.random() : nil
            record.durationSeconds = Bool.random() ? Int.random(in: 0...86_400) : nil
            record.mediaUrls = Bool.random() ? (0..<Int.random(in: 0...3)).map { _ in awkward.randomElement()! } : nil
            let text = record.jsonText
            #expect(try JSONDecoder().decode(ArchiveRecord.self, from: Data(text.utf8)) == record, "\(text)")
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        }
    }
}
