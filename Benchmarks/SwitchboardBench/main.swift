import FoundationEssentials
import Logging
import SwitchboardCore
import SwitchboardRuntime

// switchboard-bench: Switchboard's benchmarks. Figures, not pass/fail; `make bench` runs
// it on a release build.
//
//   W1  signed webhooks through one warm `Voice --stream` process: events/s, p50/p99 µs,
//       over the embedded store alone and with the Redis cache at a 100 % hit ratio; then
//       with a fresh CallSid per call, the archive off and on (embedded store, and the
//       MongoDB test server when --python names the test venv's), and SMS; instructions
//       per warm event with a fresh CallSid each (Callgrind)
//   batch  Voice's own work per event (30,000 envelopes piped in at once), allocations and
//       instructions per warm event (valgrind DHAT and Callgrind), peak RSS after 100,000 events;
//       and the store's floor: Voice's two SQLite statements and two output writes per
//       event through SQLite's C API alone, the CallSid repeated and new each time
//   W3  `Voice < event.json` one-shot, exec to exit: p50/p99 ms
//   W2  wrk posting signed webhooks to `switchboard serve` (keep-alive, 2 and 16 connections)
//   cold path: bootstrap + Voice from process start to the first response at the Runtime API,
//       then Secrets Manager's GetSecretValue alone (moto on loopback) and the cold path with it
//   C1  one tenant lookup in process: a Redis hit, a cache miss (GET, lease, directory,
//       fill), and the directory alone
//   tls  Redis over TLS (`rediss://`) against plain: a warm Redis hit (W1 without the local
//       cache), one-shot (time and instructions) and the cold path with the cache
//       configured, so the cost of loading OpenSSL and the handshake shows
//   scale  company health at 300 and 20,000 companies (the Twilio stand-in at 120 ms):
//       seeding, Health without scope and ?scope=all one-shot, one full sweep (wall time,
//       companies/s, peak RSS); the sweep over 2,000 on the MongoDB test server, for
//       correctness
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var bin = ".build/lambda/release"
    var companies = "Examples/companies.json"
    var events = "Examples/events"
    var streamEvents = 20_000
    var oneShotRuns = 300
    var lookups = 20_000
    var coldRuns = 60
    /// The test venv's Python, for the MongoDB wire-protocol test server (optional).
    var python: String?
    /// The groups to run (`w1`, `batch`, `archive`, `c1`, `w3`, `cold`, `w2`, `tls`, `scale`); all when empty.
    var only: Set<String> = []

    /// Whether `group` is to run.
    func runs(_ group: String) -> Bool { only.isEmpty || only.contains(group) }

    init(_ arguments: [String]) throws(BenchError) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--bin": bin = value
            case "--companies": companies = value
            case "--events": events = value
            case "--stream-events": streamEvents = Int(value) ?? streamEvents
            case "--one-shot-runs": oneShotRuns = Int(value) ?? oneShotRuns
            case "--lookups": lookups = Int(value) ?? lookups
            case "--cold-runs": coldRuns = Int(value) ?? coldRuns
            case "--python": python = value
            case "--only": only = Set(value.split(separator: ",").map(String.init))
            default: throw BenchError("unknown option \(flag)")
            }
        }
    }
}

/// The example events Voice answers with 200 and TwiML after checking the signature.
let signedEventNames = ["voice-ai-agent", "voice-voicemail", "voice-forward", "voice-whisper", "voice-legacy-number"]

func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func microseconds(_ sorted: [UInt64]) -> String {
    func format(_ nanoseconds: UInt64) -> String {
        let tenths = Int((Double(nanoseconds) / 100).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
    return "p50 \(format(percentile(sorted, 0.50))) µs, p99 \(format(percentile(sorted, 0.99))) µs"
}

/// p50 and p99 of sorted nanosecond samples, in milliseconds.
func milliseconds(_ sorted: [UInt64]) -> String {
    func format(_ nanoseconds: UInt64) -> String {
        let hundredths = Int((Double(nanoseconds) / 1e4).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
    return "p50 \(format(percentile(sorted, 0.50))) ms, p99 \(format(percentile(sorted, 0.99))) ms"
}

/// W1: one warm stream process, one envelope at a time (as the shim sends them).
func streamBenchmark(
    _ options: Options, events: [[UInt8]], environment: [String: String], label: String, function: String = "Voice",
    kinds: Int = signedEventNames.count, warmup: Int = 1_000
) throws(BenchError) {
    let voice = try ChildProcess(path: options.bin + "/" + function, arguments: ["--stream"], environment: environment)
    var replies = ReplyReader(descriptor: voice.stdout)
    var latencies: [UInt64] = []
    latencies.reserveCapacity(options.streamEvents)
    var started: UInt64 = 0
    for index in 0..<(warmup + options.streamEvents) {
        if index == warmup { started = monotonicNanoseconds() }
        let line = Array(#"{"id":"bench-\#(index)","event":"#.utf8) + events[index % events.count] + Array("}\n".utf8)
        let sent = monotonicNanoseconds()
        voice.send(line)
        guard let reply = replies.next() else {
            throw BenchError("\(function) --stream stopped answering at event \(index)")
        }
        if index >= warmup { latencies.append(monotonicNanoseconds() - sent) }
        if index == warmup, !String(decoding: reply, as: UTF8.self).contains(#""statusCode":200"#) {
            throw BenchError("\(function) did not answer 200: \(String(decoding: reply, as: UTF8.self).prefix(300))")
        }
    }
    let elapsed = Double(monotonicNanoseconds() - started) / 1e9

    // The floor under W1: the same round trip for a line the runtime answers without
    // any work (an envelope that is not JSON), i.e. what two pipes and two wake-ups cost.
    var floor: [UInt64] = []
    for _ in 0..<5_000 {
        let sent = monotonicNanoseconds()
        voice.send(Array("x\n".utf8))
        guard replies.next() != nil else { throw BenchError("Voice --stream stopped answering") }
        floor.append(monotonicNanoseconds() - sent)
    }
    voice.finish()
    latencies.sort()
    floor.sort()
    print("W1 \(label): \(options.streamEvents) signed webhooks (\(kinds) kinds), one at a time:")
    print("   \(Int(Double(options.streamEvents) / elapsed)) events/s, \(microseconds(latencies)) per event")
    print("   round-trip floor (a line answered with no work): \(microseconds(floor))")
}

/// W3: one process per event, exec to exit. Each run of Voice is followed by one of
/// `/bin/true` the same way (the floor: what starting and reaping any process costs on
/// this machine at that moment, which moves with the machine's load); then the
/// instructions of one one-shot, counted by Callgrind, which do not move.
func oneShotBenchmark(_ options: Options, event: [UInt8], environment: [String: String], label: String = "")
    throws(BenchError)
{
    func run(_ path: String, input: [UInt8]) throws(BenchError) -> UInt64 {
        let start = monotonicNanoseconds()
        let child = try ChildProcess(path: path, arguments: [], environment: environment)
        child.send(input)
        close(child.stdin)
        var reader = ReplyReader(descriptor: child.stdout)
        _ = reader.next()
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        close(child.stdout)
        return monotonicNanoseconds() - start
    }
    var durations: [UInt64] = []
    var floor: [UInt64] = []
    for index in 0..<(options.oneShotRuns + 20) {
        let voice = try run(options.bin + "/Voice", input: event + Array("\n".utf8))
        let nothing = try run("/bin/true", input: [])
        if index >= 20 {
            durations.append(voice)
            floor.append(nothing)
        }
    }
    print("W3 one-shot `Voice < event.json`\(label), \(options.oneShotRuns) runs, exec to exit:")
    print("   \(milliseconds(durations.sorted()))")
    print("   floor (/bin/true started and reaped the same way, between the runs): \(milliseconds(floor.sorted()))")

    guard access("/usr/bin/valgrind", X_OK) == 0 else { return }
    let stripped = try strippedVoice(options, name: "Voice-one-shot")
    let input = "/tmp/switchboard-bench-\(getpid())-event.json"
    defer {
        unlink(stripped)
        unlink(input)
    }
    let descriptor = open(input, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { throw BenchError("cannot write \(input)") }
    _ = event.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
    let counted = try runBatch(
        "/usr/bin/valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", stripped], environment: environment,
        input: input)
    guard okReplies(counted.replies) == 1 else {
        throw BenchError(
            "Voice under callgrind did not answer 200: \(String(decoding: counted.replies, as: UTF8.self))")
    }
    for line in String(decoding: counted.errors, as: UTF8.self).split(separator: "\n")
    where line.contains("Collected :") {
        if let number = line.split(separator: " ").last.flatMap({ Int($0) }) {
            print("   instructions of one one-shot, exec to exit (valgrind Callgrind): \(number)")
        }
    }
}

/// C1: tenant lookups in this process, against the seeded store and the bench's Redis.
func lookupBenchmark(_ options: Options, environment: [String: String], redisURL: String) throws {
    let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
    let settings = Environment(environment)
    let directory = DirectoryTenantResolver(directory: try Settings.store(settings).open().directory)
    let cache = RedisTenantCache(
        settings: CacheSettings(endpoint: try CacheSettings.parseURL(redisURL)), logger: logger)
    let cached = CachingTenantResolver(cache: cache, directory: directory, logger: logger)
    let number = try PhoneNumber(parsing: "+15550100001")
    let key = RedisTenantCache.key(for: number)

    func measure(_ body: () throws -> Void, before: () throws -> Void = {}) rethrows -> [UInt64] {
        var samples: [UInt64] = []
        samples.reserveCapacity(options.lookups)
        for _ in 0..<options.lookups {
            try before()
            let start = monotonicNanoseconds()
            try body()
            samples.append(monotonicNanoseconds() - start)
        }
        return samples.sorted()
    }
    _ = try cached.tenant(servingNumber: number)
    let hit = try measure { _ = try cached.tenant(servingNumber: number) }
    let miss = try measure({ _ = try cached.tenant(servingNumber: number) }, before: { try cache.delete([key]) })
    let plain = try measure { _ = try directory.tenant(servingNumber: number) }
    guard cached.counters.errors == 0 else { throw BenchError("Redis failed during the lookups") }
    print("C1 tenant lookup in process, \(options.lookups) each:")
    print("   Redis hit (1 GET):                            \(microseconds(hit))")
    print("   cache miss (GET, lease, SQLite, fill script): \(microseconds(miss))")
    print("   embedded directory alone (SQLite):            \(microseconds(plain))")
}

/// W1 with a fresh sid per event: the archive off and on, SMS, and on MongoDB's test server.
func archiveBenchmarks(_ options: Options, environment: [String: String]) throws {
    let tenants = try GeneratedEvents.tenants(options.companies)
    let count = options.streamEvents + 1_000
    let calls = try GeneratedEvents.events(tenants, path: "/api/twilio/voice", count: count)
    var off = environment
    off["SWITCHBOARD_ARCHIVE"] = "off"
    try streamBenchmark(
        options, events: calls, environment: off, label: "Voice, a new CallSid each, archive off", kinds: tenants.count)
    try streamBenchmark(
        options, events: calls, environment: environment,
        label: "Voice, a new CallSid each, archive on (embedded store)", kinds: tenants.count)
    if access("/usr/bin/valgrind", X_OK) == 0 {
        // The batch figures repeat five example calls, whose archive inserts are no-ops
        // after the first five; real calls each write a record. Sids not used above.
        let stripped = try strippedVoice(options, name: "Voice-new-sids")
        defer { unlink(stripped) }
        let fresh = try GeneratedEvents.events(tenants, path: "/api/twilio/voice", count: 2_000, firstSid: count)
        let counted = try instructionsPerEvent(
            stripped, fewer: Array(fresh.prefix(500)), more: Array(fresh.suffix(1_500)), environment: environment)
        print(
            "Instructions per warm event, a new CallSid each, archive on (valgrind Callgrind, 1,500 minus 500 envelopes): \(counted)"
        )
    }
    let messages = try GeneratedEvents.events(tenants, path: "/api/twilio/sms", count: count)
    try streamBenchmark(
        options, events: messages, environment: environment,
        label: "SMS, a new MessageSid each, archive on (embedded store)", function: "SMS", kinds: tenants.count)
    guard let python = options.python else {
        print("W1 on the MongoDB test server: skipped (pass --python with the test venv's)")
        return
    }
    let mongo = try BenchMongoServer(python: python, script: "Tests/Support/mongo_wire_server.py")
    defer { mongo.stop() }
    var onMongo = environment
    onMongo["SWITCHBOARD_STORE"] = mongo.uri + "/bench"
    let seed = try ChildProcess(
        path: options.bin + "/switchboard", arguments: ["seed", options.companies], environment: onMongo)
    guard seed.finish() == 0 else { throw BenchError("switchboard seed failed on the MongoDB test server") }
    // The test server scans its collections in Python: a few hundred calls tell the
    // difference without waiting on its slowness for minutes.
    var mongoOptions = options
    mongoOptions.streamEvents = min(options.streamEvents, 500)
    let fewer = Array(calls.prefix(mongoOptions.streamEvents + 100))
    var mongoOff = onMongo
    mongoOff["SWITCHBOARD_ARCHIVE"] = "off"
    try streamBenchmark(
        mongoOptions, events: fewer, environment: mongoOff, label: "Voice on the MongoDB test server, archive off",
        kinds: tenants.count, warmup: 100)
    try streamBenchmark(
        mongoOptions, events: fewer, environment: onMongo, label: "Voice on the MongoDB test server, archive on",
        kinds: tenants.count, warmup: 100)
}

func run() throws {
    let options = try Options(CommandLine.arguments)
    let folder = "/tmp/switchboard-bench-\(getpid())"
    mkdir(folder, 0o700)
    defer {
        for suffix in ["", "-wal", "-shm"] { unlink("\(folder)/bench.sqlite\(suffix)") }
        rmdir(folder)
    }
    let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
    let environment = [
        "PATH": "/usr/bin:/bin",
        "SWITCHBOARD_STORE": "sqlite:\(folder)/bench.sqlite",
        "SWITCHBOARD_DATA_KEY": Data(key).base64EncodedString(),
        "SWITCHBOARD_AGENT_STREAM_URL": "wss://agent.example.com/stream",
        "LOG_LEVEL": "info",
    ]
    let seed = try ChildProcess(
        path: options.bin + "/switchboard", arguments: ["seed", options.companies], environment: environment)
    guard seed.finish() == 0 else { throw BenchError("switchboard seed failed") }

    // Event files are pretty-printed; JSON strings cannot hold raw newlines, so dropping
    // them gives the one-line form the stream protocol needs.
    let events = try signedEventNames.map { name throws(BenchError) in
        try readFile("\(options.events)/\(name).json").filter { $0 != UInt8(ascii: "\n") }
    }

    var cpu = "unknown CPU"
    if let text = try? readFile("/proc/cpuinfo"),
        let line = String(decoding: text, as: UTF8.self)
            .split(separator: "\n").first(where: { $0.hasPrefix("model name") })
    {
        cpu = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingPrefix(" ").description } ?? cpu
    }
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    var date = [CChar](repeating: 0, count: 32)
    strftime(&date, date.count, "%Y-%m-%d %H:%M UTC", &parts)
    print(
        "Switchboard benchmarks, release build, \(String(decoding: date.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)): \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores, \(cpu)"
    )

    let redis = try BenchRedis()
    defer { redis.stop() }
    var cached = environment
    cached["REDIS_URL"] = redis.url
    if options.runs("w1") {
        try streamBenchmark(options, events: events, environment: environment, label: "warm stream, embedded store")
        try streamBenchmark(
            options, events: events, environment: cached,
            label: "warm stream, Redis cache with the local cache (tracking), all hits after warm-up")
        var redisOnly = cached
        redisOnly["SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS"] = "0"
        try streamBenchmark(
            options, events: events, environment: redisOnly,
            label: "warm stream, Redis cache without the local cache, 100 % Redis hits")
    }
    if options.runs("batch") {
        try batchBenchmark(options, events: events, environment: environment)
        try storeFloorBenchmark(options, events: events, environment: environment)
        try allocationBenchmark(options, events: events, environment: environment)
        try memoryBenchmark(options, events: events, environment: environment)
    }
    if options.runs("archive") { try archiveBenchmarks(options, environment: environment) }
    if options.runs("c1") { try lookupBenchmark(options, environment: environment, redisURL: redis.url) }
    if options.runs("w3") { try oneShotBenchmark(options, event: events[0], environment: environment) }
    if options.runs("cold") {
        try coldStartBenchmark(
            options, environment: environment, eventFile: "\(options.events)/voice-ai-agent.json",
            runs: options.coldRuns)
        try secretsBenchmark(options, environment: environment, eventFile: "\(options.events)/voice-ai-agent.json")
    }
    if options.runs("w2") {
        try serveBenchmark(options, environment: environment, eventFile: "\(options.events)/voice-ai-agent.json")
    }
    if options.runs("tls") { try tlsBenchmarks(options, events: events, environment: environment, plainRedis: redis) }
    if options.runs("scale") { try scaleBenchmark(options, environment: environment) }
}

do {
    try run()
} catch {
    let message = Array("switchboard-bench: \(error)\n".utf8)
    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
