#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks that feed a function a whole file of envelopes at once, with no waiting
/// between them: the function's own work per event, its allocations per event, and its
/// peak memory after many events.

/// A finished batch run: exit status, wall time, peak resident set, what it printed.
struct BatchRun {
    let status: Int32
    let nanoseconds: UInt64
    /// User and system CPU time the process used.
    let cpuNanoseconds: UInt64
    /// The child's own peak resident set when the run sampled it; otherwise `ru_maxrss`,
    /// which also counts the bench's own resident set at the moment of the spawn (Linux
    /// carries the high-water mark of the address space `posix_spawn` borrows across exec).
    let peakRSSKilobytes: Int
    let replies: [UInt8]
    let errors: [UInt8]
}

/// Runs `path arguments < input`, standard output and error to temporary files, and
/// waits for it with `wait4`. With `sampleMemory`, reads the child's `VmHWM` every 5 ms
/// while it runs, for its own peak resident set (the wall time then counts up to 5 ms more).
func runBatch(
    _ path: String, _ arguments: [String], environment: [String: String], input: String, sampleMemory: Bool = false
) throws(BenchError) -> BatchRun {
    let output = "/tmp/switchboard-bench-\(getpid())-run.out"
    let errors = "/tmp/switchboard-bench-\(getpid())-run.err"
    defer {
        unlink(output)
        unlink(errors)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for argument in argv { free(argument) }
        for variable in envp { free(variable) }
    }
    let started = monotonicNanoseconds()
    var child: pid_t = 0
    let spawned = posix_spawn(&child, path, &actions, nil, argv, envp)
    guard spawned == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    var usage = rusage()
    var sampledPeak = 0
    if sampleMemory {
        while wait4(child, &status, WNOHANG, &usage) == 0 {
            sampledPeak = max(sampledPeak, highWaterKilobytes(of: child))
            usleep(5_000)
        }
    } else {
        wait4(child, &status, 0, &usage)
    }
    let elapsed = monotonicNanoseconds() - started
    return BatchRun(
        status: (status >> 8) & 0xFF, nanoseconds: elapsed,
        cpuNanoseconds: UInt64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000_000
            + UInt64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1_000,
        peakRSSKilobytes: sampleMemory ? sampledPeak : usage.ru_maxrss,
        replies: try readFile(output), errors: try readFile(errors))
}

/// A running process's peak resident set so far (`VmHWM` in `/proc/<pid>/status`), or 0.
private func highWaterKilobytes(of process: pid_t) -> Int {
    guard let status = try? readFile("/proc/\(process)/status") else { return 0 }
    for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).filter(\.isNumber)) ?? 0
    }
    return 0
}

/// Writes `count` envelopes, cycling through `events`, to a new file; returns its path.
func envelopeFile(_ events: [[UInt8]], count: Int, name: String) throws(BenchError) -> String {
    let path = "/tmp/switchboard-bench-\(getpid())-\(name).jsonl"
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { throw BenchError("cannot write \(path)") }
    defer { close(descriptor) }
    var chunk: [UInt8] = []
    for index in 0..<count {
        chunk += Array(#"{"id":"batch-\#(index)","event":"#.utf8) + events[index % events.count] + Array("}\n".utf8)
        if chunk.count > 1 << 20 || index == count - 1 {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == chunk.count else { throw BenchError("short write to \(path)") }
            chunk.removeAll(keepingCapacity: true)
        }
    }
    return path
}

/// How many replies in `bytes` are HTTP 200s.
func okReplies(_ bytes: [UInt8]) -> Int {
    bytes.split(separator: UInt8(ascii: "\n")).count { line in
        String(decoding: line, as: UTF8.self).contains(#""statusCode":200"#)
    }
}

/// The function's own work per event: `count` envelopes piped in at once, so nothing
/// waits on a round trip. Measured as the CPU time the process used (steadier than wall
/// time on a busy machine) and as wall time; an empty run's (start and exit) is
/// subtracted from both.
func batchBenchmark(_ options: Options, events: [[UInt8]], environment: [String: String], count: Int = 30_000)
    throws(BenchError)
{
    let full = try envelopeFile(events, count: count, name: "batch")
    let empty = try envelopeFile(events, count: 0, name: "empty")
    defer {
        unlink(full)
        unlink(empty)
    }
    var cpu: [UInt64] = []
    var wall: [UInt64] = []
    var emptyCPU: [UInt64] = []
    var emptyWall: [UInt64] = []
    for _ in 0..<5 {
        let idle = try runBatch(options.bin + "/Voice", ["--stream"], environment: environment, input: empty)
        emptyCPU.append(idle.cpuNanoseconds)
        emptyWall.append(idle.nanoseconds)
        let run = try runBatch(options.bin + "/Voice", ["--stream"], environment: environment, input: full)
        guard run.status == 0, okReplies(run.replies) == count else {
            throw BenchError("Voice --stream answered \(okReplies(run.replies)) of \(count) batch envelopes with 200")
        }
        cpu.append(run.cpuNanoseconds)
        wall.append(run.nanoseconds)
    }
    func perEvent(_ runs: [UInt64], minus baseline: [UInt64]) -> String {
        let base = baseline.sorted()[2]
        let values = runs.map { Double($0 - min($0, base)) / Double(count) / 1_000 }.sorted()
        func format(_ value: Double) -> String { "\(Double(Int((value * 10).rounded())) / 10)" }
        return "median \(format(values[2])) µs (best \(format(values[0])), worst \(format(values[4])))"
    }
    print("Voice's own work per event: \(count) envelopes piped in at once, 5 runs, start-up subtracted:")
    print("   CPU time \(perEvent(cpu, minus: emptyCPU)); wall time \(perEvent(wall, minus: emptyWall))")
}

/// Allocations per warm event, counted by valgrind's DHAT: the difference between runs
/// of 1,000 and 3,000 envelopes, so start-up's allocations cancel out.
func allocationBenchmark(_ options: Options, events: [[UInt8]], environment: [String: String]) throws(BenchError) {
    guard access("/usr/bin/valgrind", X_OK) == 0 else {
        print("Allocations per warm event: skipped (valgrind is not installed; make bench installs it)")
        return
    }
    let stripped = try strippedVoice(options, name: "Voice")
    defer { unlink(stripped) }
    func totals(_ count: Int) throws(BenchError) -> (bytes: Int, blocks: Int) {
        let file = try envelopeFile(events, count: count, name: "dhat-\(count)")
        defer { unlink(file) }
        let run = try runBatch(
            "/usr/bin/valgrind", ["--tool=dhat", "--dhat-out-file=/dev/null", stripped, "--stream"],
            environment: environment, input: file)
        guard okReplies(run.replies) == count else {
            throw BenchError("Voice under valgrind answered \(okReplies(run.replies)) of \(count)")
        }
        // "==123== Total:     1,234,567 bytes in 8,901 blocks"
        for line in String(decoding: run.errors, as: UTF8.self).split(separator: "\n") where line.contains("Total:") {
            let numbers = line.split(separator: " ").compactMap { Int($0.filter { $0 != "," }) }
            if numbers.count >= 2 { return (numbers[numbers.count - 2], numbers[numbers.count - 1]) }
        }
        throw BenchError("no DHAT totals in valgrind's output")
    }
    let small = try totals(1_000)
    let large = try totals(3_000)
    let blocks = Double(large.blocks - small.blocks) / 2_000
    let bytes = Double(large.bytes - small.bytes) / 2_000
    print("Allocations per warm event (valgrind DHAT, 3,000 minus 1,000 envelopes):")
    print("   \(Int(blocks.rounded())) allocations, \(Int(bytes.rounded())) bytes per event")

    let counted = try instructionsPerEvent(stripped, fewer: events, more: events, environment: environment)
    print("Instructions per warm event (valgrind Callgrind, 1,500 minus 500 envelopes): \(counted)")
}

/// Instructions per warm event, counted by Callgrind: the same on a busy machine as on
/// an idle one, so it shows what a change to the hot path bought. The difference between
/// a run of 500 envelopes cycling through `fewer` and one of 1,500 cycling through
/// `more`, so start-up cancels out; `stripped` is Voice without its debug information.
func instructionsPerEvent(_ stripped: String, fewer: [[UInt8]], more: [[UInt8]], environment: [String: String])
    throws(BenchError) -> Int
{
    func instructions(_ events: [[UInt8]], _ count: Int) throws(BenchError) -> Int {
        let file = try envelopeFile(events, count: count, name: "callgrind-\(count)")
        defer { unlink(file) }
        let run = try runBatch(
            "/usr/bin/valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", stripped, "--stream"],
            environment: environment, input: file)
        guard okReplies(run.replies) == count else {
            throw BenchError("Voice under callgrind answered \(okReplies(run.replies)) of \(count)")
        }
        // "==123== Collected : 1234567"
        for line in String(decoding: run.errors, as: UTF8.self).split(separator: "\n")
        where line.contains("Collected :") {
            if let number = line.split(separator: " ").last.flatMap({ Int($0) }) { return number }
        }
        throw BenchError("no Callgrind total in valgrind's output")
    }
    return (try instructions(more, 1_500) - instructions(fewer, 500)) / 1_000
}

/// A copy of Voice without its debug information, for valgrind: Valgrind 3.19 cannot read
/// the DWARF 5 the toolchain writes, and its totals need none. The caller deletes it.
func strippedVoice(_ options: Options, name: String) throws(BenchError) -> String {
    let stripped = "/tmp/switchboard-bench-\(getpid())-\(name)"
    let copy = try runBatch(
        "/usr/bin/objcopy", ["--strip-debug", options.bin + "/Voice", stripped], environment: [:], input: "/dev/null")
    guard copy.status == 0 else { throw BenchError("objcopy failed: \(String(decoding: copy.errors, as: UTF8.self))") }
    return stripped
}

/// Peak resident memory of one warm Voice process after `count` events.
func memoryBenchmark(_ options: Options, events: [[UInt8]], environment: [String: String], count: Int = 100_000)
    throws(BenchError)
{
    let file = try envelopeFile(events, count: count, name: "rss")
    defer { unlink(file) }
    let run = try runBatch(
        options.bin + "/Voice", ["--stream"], environment: environment, input: file, sampleMemory: true)
    guard okReplies(run.replies) == count else {
        throw BenchError("Voice answered \(okReplies(run.replies)) of \(count) with 200")
    }
    print(
        "Peak RSS of one Voice --stream after \(count) events: \(run.peakRSSKilobytes / 1024) MB (\(run.peakRSSKilobytes) kB)"
    )
}
