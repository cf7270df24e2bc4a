import Foundation
import SwitchboardRuntime
import TestSupport
import Testing

/// The pool `switchboard serve` runs functions through: several envelopes in flight per
/// warm process, replies matched in order, and a process that hangs or dies replaced
/// without losing the envelopes queued behind it. Against the real TestFunction.
@Suite("Function pool: envelopes in flight per process")
struct FunctionPoolTests {
    static func envelope(_ path: String, id: String, deadline: Int64) -> [UInt8] {
        Array(
            InvocationRequest(id: id, deadlineMs: deadline, event: HTTPEvent(method: "POST", rawPath: path)).jsonLine()
                .dropLast())
    }

    static func body(_ outcome: FunctionProcess.Outcome) -> String? {
        guard case .reply(let reply) = outcome else { return nil }
        return reply.response?.body
    }

    /// Ten seconds from now. Taken when an invocation is made, not when the test starts:
    /// on a loaded two-core machine, tasks of a test may wait their turn for seconds.
    static var soon: Int64 { Int64(Date().timeIntervalSince1970 * 1_000) + 10_000 }

    static func invoke(_ pool: FunctionPool, _ path: String, id: String) async -> FunctionProcess.Outcome {
        let deadline = soon
        return await pool.invoke(envelope: envelope(path, id: id, deadline: deadline), deadline: deadline)
    }

    @Test("400 concurrent invocations over 2 processes: each gets its own answer")
    func concurrentAnswers() async throws {
        let pool = FunctionPool(executable: ExampleData.executable("TestFunction"), size: 2)
        let answers = await withTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<400 {
                group.addTask { (index, Self.body(await Self.invoke(pool, "/n\(index)", id: "r\(index)"))) }
            }
            var answers: [Int: String?] = [:]
            for await (index, body) in group { answers[index] = body }
            return answers
        }
        #expect(answers.count == 400)
        for index in 0..<400 { #expect(answers[index] == "ok /n\(index)\n", "invocation \(index)") }
        // Both processes served.
        let pids = await withTaskGroup(of: String?.self) { group in
            for index in 0..<40 { group.addTask { Self.body(await Self.invoke(pool, "/pid", id: "p\(index)")) } }
            var pids = Set<String>()
            for await pid in group { if let pid { pids.insert(pid) } }
            return pids
        }
        #expect(pids.count == 2)
    }

    @Test(
        "one process hangs with envelopes queued behind it: that one times out, the others are answered by a fresh process"
    )
    func hangWithQueue() async throws {
        let pool = FunctionPool(executable: ExampleData.executable("TestFunction"), size: 1)
        let hangDeadline = Int64(Date().timeIntervalSince1970 * 1_000) + 500
        async let hung = pool.invoke(
            envelope: Self.envelope("/hang", id: "h", deadline: hangDeadline), deadline: hangDeadline)
        try await Task.sleep(for: .milliseconds(50))
        let behind = await withTaskGroup(of: String?.self) { group in
            for index in 0..<5 { group.addTask { Self.body(await Self.invoke(pool, "/b\(index)", id: "b\(index)")) } }
            var bodies: [String] = []
            for await body in group { if let body { bodies.append(body) } }
            return bodies.sorted()
        }
        #expect(await hung == .timedOut)
        #expect(behind == (0..<5).map { "ok /b\($0)\n" })
    }

    @Test("one process dies with envelopes queued behind it: that one fails naming the exit, the others are answered")
    func crashWithQueue() async throws {
        let pool = FunctionPool(executable: ExampleData.executable("TestFunction"), size: 1)
        async let crashed = Self.invoke(pool, "/exit", id: "x")
        try await Task.sleep(for: .milliseconds(20))
        let behind = await withTaskGroup(of: String?.self) { group in
            for index in 0..<5 { group.addTask { Self.body(await Self.invoke(pool, "/c\(index)", id: "c\(index)")) } }
            var bodies: [String] = []
            for await body in group { if let body { bodies.append(body) } }
            return bodies.sorted()
        }
        guard case .crashed(let why) = await crashed else {
            Issue.record("expected the exit to be reported as a crash")
            return
        }
        #expect(why.contains("exited mid-invocation") && why.contains("exit status 3"))
        #expect(behind == (0..<5).map { "ok /c\($0)\n" })
    }

    @Test("a function that cannot start: each invocation fails at once with its message, none hangs")
    func unstartable() async throws {
        let pool = FunctionPool(
            executable: ExampleData.executable("TestFunction"), size: 2,
            environment: ["TEST_FUNCTION_FAIL_INIT": "1", "PATH": "/usr/bin:/bin"])
        for index in 0..<3 {
            let outcome = await Self.invoke(pool, "/x", id: "u\(index)")
            guard case .crashed(let why) = outcome else {
                Issue.record("expected a start-up failure, got \(outcome)")
                continue
            }
            #expect(why.contains("TEST_FUNCTION_FAIL_INIT"))
        }
    }
}
