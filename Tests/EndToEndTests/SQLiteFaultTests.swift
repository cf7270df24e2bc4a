import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// A small tmpfs of its own for one test (root with CAP_SYS_ADMIN, as the CI machines
/// and containers here run), so the disk can be filled and made read-only for real.
final class ScratchFileSystem: @unchecked Sendable {
    let folder: URL

    static let available: Bool = {
        guard let probe = try? ScratchFileSystem(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        folder = try TestPaths.temporaryFolder()
        let mounted = try ProcessRunner.run(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder.path],
            environment: ["PATH": "/usr/bin:/bin"])
        guard mounted.status == 0 else { throw TestSetupError("cannot mount a tmpfs: \(mounted.stderrText)") }
    }

    func remount(readOnly: Bool) throws {
        let result = try ProcessRunner.run(
            "/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", folder.path],
            environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw TestSetupError("remount failed: \(result.stderrText)") }
    }

    /// Fills the file system to the last byte with a file; returns its path.
    func fill() throws -> URL {
        let filler = folder.appendingPathComponent("filler")
        _ = try ProcessRunner.run(
            "/bin/dd", ["if=/dev/zero", "of=\(filler.path)", "bs=4096"], environment: ["PATH": "/usr/bin:/bin"])
        return filler
    }

    func unmount() {
        _ = try? ProcessRunner.run("/bin/umount", ["-l", folder.path], environment: ["PATH": "/usr/bin:/bin"])
    }

    deinit { unmount() }
}

/// The embedded store when the disk is full, the file system read-only, or another
/// writer holds the lock: ConfigPut answers a clear 503 (the log names the cause), the
/// file stays intact, nothing is half-saved, and the same change succeeds afterwards.
@Suite(
    "The embedded store under faults: full disk, read-only, locked",
    .enabled(if: ScratchFileSystem.available, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
struct SQLiteFaultTests {
    static let whisper = "Whisper written under a fault"

    static func change() throws -> String {
        try ConfigAPITests.acmeBody {
            $0["whisperMessage"] = whisper
            $0["callRoutingMode"] = "forward"
            $0["forwardNumber"] = "+15550109999"
        }
    }

    /// SQLite's own check of the file, through Python's sqlite3 module.
    static func integrity(_ path: String) throws -> String {
        let code =
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])"
        return try ProcessRunner.run(
            try TestPaths.python(), ["-c", code, path], environment: ["PATH": "/usr/bin:/bin"]
        ).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// ConfigPut of ``change()`` as the platform admin: its answer and its log.
    static func putChange(_ api: AdminAPIFixture) throws -> (HTTPResponse, String) {
        let result = try api.call(
            "ConfigPut", "PUT", "/api/companies/\(AdminAPIFixture.acme)/twilio/config", query: "verify=false",
            token: try api.adminToken(), body: try change())
        return (result.response, result.log)
    }

    /// The config API over a store in the file `switchboard.sqlite` on `disk`.
    static func api(on disk: ScratchFileSystem) throws -> (api: AdminAPIFixture, store: String) {
        let store = disk.folder.appendingPathComponent("switchboard.sqlite").path
        return (
            try AdminAPIFixture(extraEnvironment: [
                "SWITCHBOARD_STORE": "sqlite:" + store, "SWITCHBOARD_ARCHIVE": "off",
            ]), store
        )
    }

    /// Checks the fault's answer and log, then that nothing was saved, the file is
    /// intact, and the change goes through once the fault is gone.
    static func expectRefusedThenRecovered(
        _ api: AdminAPIFixture, store: String, cause: String, during fault: () throws -> Void, clear: () throws -> Void
    ) throws {
        let admin = try api.adminToken()
        try fault()
        let (refused, log) = try putChange(api)
        #expect(refused.statusCode == 503, "\(refused.body)")
        #expect(refused.headers["retry-after"] != nil)
        #expect(refused.body.contains("directory"), "\(refused.body)")
        #expect(log.lowercased().contains(cause), "the log does not name the cause (\(cause)): \(log.suffix(800))")
        try clear()
        #expect(try Self.integrity(store) == "ok")
        #expect(
            !(try api.get(AdminAPIFixture.acme, token: admin).body.contains(whisper)),
            "a change was saved under the fault")
        let (retried, _) = try putChange(api)
        #expect(retried.statusCode == 200, "\(retried.body)")
        #expect(try api.get(AdminAPIFixture.acme, token: admin).body.contains(whisper))
        #expect(try Self.integrity(store) == "ok")
    }

    @Test("the disk full")
    func diskFull() throws {
        let disk = try ScratchFileSystem(megabytes: 2)
        let (api, store) = try Self.api(on: disk)
        var filler: URL?
        try Self.expectRefusedThenRecovered(
            api, store: store, cause: "full", during: { filler = try disk.fill() },
            clear: {
                if let filler { try FileManager.default.removeItem(at: filler) }
            })
    }

    @Test("the file system read-only")
    func readOnly() throws {
        let disk = try ScratchFileSystem(megabytes: 8)
        let (api, store) = try Self.api(on: disk)
        try Self.expectRefusedThenRecovered(
            api, store: store, cause: "read", during: { try disk.remount(readOnly: true) },
            clear: {
                try disk.remount(readOnly: false)
            })
    }

    @Test("another writer holding the lock")
    func locked() throws {
        let api = try AdminAPIFixture(extraEnvironment: ["SWITCHBOARD_ARCHIVE": "off"])
        let store = api.store.storePath
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try TestPaths.python())
        holder.arguments = [
            "-c",
            """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            db.execute("ROLLBACK")
            """, store,
        ]
        let input = Pipe()
        let output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).contains("locked"))
        try Self.expectRefusedThenRecovered(
            api, store: store, cause: "locked", during: {},
            clear: {
                try input.fileHandleForWriting.close()
                holder.waitUntilExit()
            })
    }
}
