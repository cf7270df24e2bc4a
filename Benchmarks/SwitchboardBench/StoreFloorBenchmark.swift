import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// The store's floor: what a warm Voice's embedded store and output cost per call at the
/// least, with nothing of Switchboard in the loop. Per event, SQLite's C API runs Voice's
/// two statements — the tenant lookup, then the archive insert, each its own transaction,
/// as Voice runs them — on a copy of the bench's store, and two `write`s put a reply and a
/// log line of Voice's sizes into files, as the batch run's output goes. No envelope is
/// read, no signature checked, no TwiML written.
///
/// It calls SQLite directly rather than through SQLiteDriver on purpose: it is the bound
/// below which no change to Switchboard's own code can take Voice's work per event.
func storeFloorBenchmark(_ options: Options, events: [[UInt8]], environment: [String: String], count: Int = 30_000)
    throws(BenchError)
{
    guard case let store? = environment["SWITCHBOARD_STORE"].map({ String($0.dropFirst("sqlite:".count)) }) else {
        throw BenchError("the store floor needs the embedded store")
    }
    // A short Voice run: the sizes of its reply and log lines, and the archive's table
    // made in the store (a function makes it on first use).
    let sample = try envelopeFile(events, count: 100, name: "floor-sample")
    defer { unlink(sample) }
    let voice = try runBatch(options.bin + "/Voice", ["--stream"], environment: environment, input: sample)
    guard voice.status == 0, okReplies(voice.replies) == 100 else {
        throw BenchError("Voice --stream failed on the floor's sample envelopes")
    }
    let replyBytes = voice.replies.count / 100
    let logBytes = voice.errors.count / 100

    let copy = "/tmp/switchboard-bench-\(getpid())-floor.sqlite"
    defer { for suffix in ["", "-wal", "-shm"] { unlink(copy + suffix) } }
    let source = try FloorDatabase(path: store)
    try source.execute("VACUUM INTO '\(copy)'")
    let numbers = try source.column("SELECT e164 FROM phone_numbers WHERE active = 1 ORDER BY e164")
    let companies = try source.column("SELECT company_id FROM phone_numbers WHERE active = 1 ORDER BY e164")
    guard let record = try source.column("SELECT record FROM archive LIMIT 1").first, !numbers.isEmpty else {
        throw BenchError("the bench store has no active number or no archive record")
    }

    let database = try FloorDatabase(path: copy)
    try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
    let lookup = try database.prepare(
        """
        SELECT c.document FROM phone_numbers p JOIN companies c ON c.id = p.company_id
        WHERE p.e164 = ?1 AND p.active = 1
        """)
    let insert = try database.prepare(
        "INSERT INTO archive (sid, company_id, kind, at, record) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sid) DO NOTHING"
    )
    defer {
        sqlite3_finalize(lookup)
        sqlite3_finalize(insert)
    }
    let replies = "/tmp/switchboard-bench-\(getpid())-floor.out"
    let logs = "/tmp/switchboard-bench-\(getpid())-floor.err"
    defer {
        unlink(replies)
        unlink(logs)
    }
    let reply = [UInt8](repeating: UInt8(ascii: "r"), count: replyBytes)
    let log = [UInt8](repeating: UInt8(ascii: "l"), count: logBytes)
    let at = "2026-11-27T12:00:00.000Z"
    // Every value bound is made before the clock starts: the loop is SQLite and the kernel.
    let lookups = (0..<count).map { [numbers[$0 % numbers.count]] }
    /// The archive rows of `count` events, the CallSid of each numbered by `sid`.
    func inserts(_ sid: (Int) -> Int) -> [[String]] {
        (0..<count).map { index in
            let hex = String(sid(index), radix: 16)
            return [
                "CA" + String(repeating: "0", count: 32 - hex.count) + hex, companies[index % numbers.count], "call",
                at, record,
            ]
        }
    }
    let repeatedInserts = inserts { $0 % 10 }  // ten CallSids: inserted once, then each insert a no-op

    /// CPU time (user, system) per event, in nanoseconds.
    func measure(_ inserts: [[String]]) throws(BenchError) -> (user: Double, system: Double) {
        let replyFile = open(replies, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let logFile = open(logs, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer {
            close(replyFile)
            close(logFile)
        }
        let before = processCPU()
        for index in 0..<count {
            try database.step(lookup, binding: lookups[index], expecting: SQLITE_ROW)
            try database.step(insert, binding: inserts[index], expecting: SQLITE_DONE)
            _ = reply.withUnsafeBytes { write(replyFile, $0.baseAddress, $0.count) }
            _ = log.withUnsafeBytes { write(logFile, $0.baseAddress, $0.count) }
        }
        let after = processCPU()
        return (Double(after.user - before.user) / Double(count), Double(after.system - before.system) / Double(count))
    }
    var repeated: [(user: Double, system: Double)] = []
    var fresh: [(user: Double, system: Double)] = []
    for round in 1...5 {
        repeated.append(try measure(repeatedInserts))
        fresh.append(try measure(inserts { round * count + $0 }))  // CallSids no round has used
    }
    func summary(_ runs: [(user: Double, system: Double)]) -> String {
        let sorted = runs.sorted { $0.user + $0.system < $1.user + $1.system }
        func format(_ nanoseconds: Double) -> String { "\(Double(Int((nanoseconds / 100).rounded())) / 10)" }
        let median = sorted[2]
        return
            "CPU median \(format(median.user + median.system)) µs (user \(format(median.user)), system \(format(median.system)); "
            + "best \(format(sorted[0].user + sorted[0].system)), worst \(format(sorted[4].user + sorted[4].system)))"
    }
    print(
        "Store floor per event: SQLite's C API alone runs Voice's lookup and archive insert (each its own transaction) on a copy of the store,"
    )
    print(
        "   and writes a \(replyBytes)-byte reply and a \(logBytes)-byte log line; \(count) events, 5 runs each, no Switchboard code in the loop:"
    )
    print("   the CallSid repeated, as the batch's events: \(summary(repeated))")
    print("   a new CallSid each, as real calls:          \(summary(fresh))")
}

/// The bench's user and system CPU time, in nanoseconds (it runs no other thread).
private func processCPU() -> (user: UInt64, system: UInt64) {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return (
        UInt64(usage.ru_utime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_utime.tv_usec) * 1_000,
        UInt64(usage.ru_stime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_stime.tv_usec) * 1_000
    )
}

/// The few calls of SQLite's C API the floor makes, each failure a ``BenchError``.
private final class FloorDatabase {
    let handle: OpaquePointer

    init(path: String) throws(BenchError) {
        var raw: OpaquePointer?
        guard sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            let opened = raw
        else {
            sqlite3_close_v2(raw)
            throw BenchError("cannot open \(path)")
        }
        handle = opened
        sqlite3_busy_timeout(opened, 2_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws(BenchError) {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure("execute") }
    }

    func prepare(_ sql: String) throws(BenchError) -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else {
            throw failure("prepare")
        }
        return statement
    }

    /// The first column of every row of `sql`, as text.
    func column(_ sql: String) throws(BenchError) -> [String] {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        var values: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            values.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
        }
        return values
    }

    /// Binds `texts` to `?1…` (SQLite reads them in place: they outlive the step), steps
    /// once, and resets the statement.
    func step(_ statement: OpaquePointer, binding texts: [String], expecting status: Int32) throws(BenchError) {
        var texts = texts[...]
        let result = bindAll(statement, &texts, from: 1)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        guard result == status else { throw failure("step") }
    }

    /// Binds the first of `texts` and recurses for the rest inside its scope, so every
    /// pointer bound is still valid when the statement steps.
    private func bindAll(_ statement: OpaquePointer, _ texts: inout ArraySlice<String>, from index: Int32) -> Int32 {
        guard var text = texts.popFirst() else { return sqlite3_step(statement) }
        return text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), nil)
            }
            return bindAll(statement, &texts, from: index + 1)
        }
    }

    private func failure(_ operation: String) -> BenchError {
        BenchError("store floor: \(operation) failed: \(String(cString: sqlite3_errmsg(handle)))")
    }
}
