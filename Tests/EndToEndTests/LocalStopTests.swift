import Foundation
import HTTPDriver
import SwitchboardRuntime
import TestSupport
import Testing

/// `switchboard serve` and `switchboard emulate` stop — with every process they started —
/// when told to by Ctrl-C (SIGINT) or SIGTERM, even while bootstrap long-polls.
@Suite("Local commands stop on SIGINT and SIGTERM")
struct LocalStopTests {
    /// Sends `signal` to `server` and checks that it and `started` are gone in a few seconds.
    static func expectStops(_ server: LocalServer, on signal: Int32, started: Set<Int32>, _ what: String) {
        kill(server.processIdentifier, signal)
        let status = server.waitForExit(seconds: 5)
        #expect(status == 0, "\(what) did not stop on signal \(signal)")
        var left = started
        for _ in 0..<250 where !left.isEmpty {
            left = left.filter(ProcessTable.isLive)
            usleep(20_000)
        }
        #expect(left.isEmpty, "still running after \(what) stopped: \(left.map { "\($0) \(ProcessTable.name($0))" })")
        let log = server.stop()
        #expect(log.contains("stopped"), "\(log.suffix(500))")
    }

    /// The processes `server` has started, once `names` are among them (up to 5 s).
    static func startedProcesses(of server: LocalServer, including names: Set<String>) -> Set<Int32> {
        var started = Set<Int32>()
        for _ in 0..<250 {
            started = ProcessTable.descendants(of: server.processIdentifier)
            if Set(started.map(ProcessTable.name)).isSuperset(of: names) { break }
            usleep(20_000)
        }
        #expect(Set(started.map(ProcessTable.name)).isSuperset(of: names), "\(started.map(ProcessTable.name))")
        return started
    }

    @Test(
        "serve, on SIGTERM and on SIGINT, stops its warm function processes and itself",
        arguments: [SIGTERM, SIGINT])
    func serveStops(signal: Int32) throws {
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": ServeTests.publicBase])
        let server = try LocalServer(["serve", "--processes", "2"], environment: store.environment)
        defer { server.stop() }
        let client = try CurlHTTPClient()
        #expect(try ServeTests.post("voice-ai-agent", to: server, client: client).status == 200)
        #expect(try ServeTests.post("sms-auto-reply", to: server, client: client).status == 200)
        let started = ProcessTable.descendants(of: server.processIdentifier)
        #expect(
            Set(started.map(ProcessTable.name)).isSuperset(of: ["Voice", "SMS"]), "\(started.map(ProcessTable.name))")
        Self.expectStops(server, on: signal, started: started, "serve")
    }

    @Test(
        "emulate, on SIGTERM and on SIGINT, stops bootstrap (long-polling next) and its function, and itself",
        arguments: [SIGTERM, SIGINT])
    func emulateStops(signal: Int32) throws {
        let store = try SeededStore()
        let server = try LocalServer(["emulate", "--function", "Voice"], environment: store.environment)
        defer { server.stop() }
        let invoked = try CurlHTTPClient().send(
            "POST", "http://\(server.address)/2015-03-31/functions/function/invocations",
            body: Array(try ExampleData.event("voice-ai-agent")), timeoutMilliseconds: 20_000)
        #expect(invoked.status == 200)
        // bootstrap is back in `next`, waiting for the following invocation.
        let started = Self.startedProcesses(of: server, including: ["bootstrap", "Voice"])
        Self.expectStops(server, on: signal, started: started, "emulate")
    }

    @Test("emulate killed outright (SIGKILL): bootstrap and its function notice and exit by themselves")
    func emulateKilled() throws {
        let store = try SeededStore()
        let server = try LocalServer(["emulate", "--function", "Voice"], environment: store.environment)
        defer { server.stop() }
        let started = Self.startedProcesses(of: server, including: ["bootstrap", "Voice"])
        kill(server.processIdentifier, SIGKILL)
        var left = started
        for _ in 0..<250 where !left.isEmpty {
            left = left.filter(ProcessTable.isLive)
            usleep(20_000)
        }
        #expect(
            left.isEmpty, "still running after emulate was killed: \(left.map { "\($0) \(ProcessTable.name($0))" })")
    }
}
