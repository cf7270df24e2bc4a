import Foundation
import HTTPDriver
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// dist/Voice.zip, as `make package` built it, unpacked into an empty folder and run
/// with nothing but what Lambda would set: proof the zip carries what it needs.
@Suite("the Lambda zip")
struct PackageTests {
    static let zip = TestPaths.packageRoot.appendingPathComponent("dist/Voice.zip")

    @Test("unpacked into an empty folder, bootstrap runs Voice from it with a clean environment")
    func selfContained() throws {
        try #require(
            FileManager.default.fileExists(atPath: Self.zip.path),
            "dist/Voice.zip is missing: run `make package` (make test does)")
        let folder = try TestPaths.temporaryFolder()
        let unzip = try ProcessRunner.run(
            "/usr/bin/unzip", ["-q", Self.zip.path, "-d", folder.path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(unzip.status == 0, "\(unzip.stderrText)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [
                "Voice", "bootstrap", "lib", "zoneinfo",
            ])

        // Every library the executables load comes from the zip, except the image's own.
        let provided = [
            "linux-vdso", "libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "libresolv.so", "ld-linux",
            "libstdc++.so", "libgcc_s.so",
        ]
        for executable in ["bootstrap", "Voice"] {
            let ldd = try ProcessRunner.run(
                "/usr/bin/ldd", [folder.appendingPathComponent(executable).path], environment: [:])
            for line in ldd.stdoutText.split(separator: "\n") {
                let first = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                let name = first.split(separator: "/").last.map(String.init) ?? first
                if provided.contains(where: { name.hasPrefix($0) }) { continue }
                #expect(
                    line.contains(folder.path + "/lib/"), "\(executable) loads \(name) from outside the zip: \(line)")
            }
        }

        let store = try SeededStore()
        let emulator = try LocalServer(
            ["emulate", "--no-bootstrap", "--function", "Voice"], environment: store.environment)
        defer { emulator.stop() }
        // env -i: only what Lambda sets, and the function's own configuration.
        let bootstrap = try BootstrapProcess(
            folder.appendingPathComponent("bootstrap").path,
            environment: [
                "AWS_LAMBDA_RUNTIME_API": emulator.address, "_HANDLER": "Voice", "LAMBDA_TASK_ROOT": folder.path,
                "SWITCHBOARD_STORE": store.environment["SWITCHBOARD_STORE"]!, "SWITCHBOARD_DATA_KEY": store.dataKey,
            ])
        let client = try CurlHTTPClient()
        let answer = try client.send(
            "POST", "http://\(emulator.address)/2015-03-31/functions/function/invocations",
            body: Array(try ExampleData.event("voice-forward")), timeoutMilliseconds: 30_000)
        #expect(answer.headers["x-amz-function-error"] == nil, "\(String(decoding: answer.body, as: UTF8.self))")
        let response = try JSONDecoder().decode(HTTPResponse.self, from: Data(answer.body))
        #expect(response.statusCode == 200)
        #expect(try TwiMLReader.read(response.body).map(\.name) == ["Response", "Dial", "Number"])
        let log = bootstrap.stop()
        #expect(log.contains("bootstrap.ready"))

        // libmongoc is loaded at run time, from the zip: Voice on MongoDB, clean environment.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("lib/libmongoc-1.0.so.0").path))
        let mongo = try MongoTestServer()
        let call = try ProcessRunner.run(
            folder.appendingPathComponent("Voice").path, input: try ExampleData.event("voice-unknown-number"),
            environment: [
                "SWITCHBOARD_STORE": mongo.uri + "/switchboard", "SWITCHBOARD_DATA_KEY": store.dataKey,
            ])
        #expect(call.status == 0, "\(call.stderrText)")
        #expect(call.stdoutText.contains("not configured"), "\(call.stdoutText)\(call.stderrText)")
    }

    /// The wall clock in `zone` now, by Python's zoneinfo: the weekday and minute of the day.
    static func wallClock(_ zone: String) throws -> (weekday: String, minute: Int) {
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [
                "-c",
                "import datetime, zoneinfo; t = datetime.datetime.now(zoneinfo.ZoneInfo('\(zone)')); print(['mon','tue','wed','thu','fri','sat','sun'][t.weekday()], t.hour * 60 + t.minute)",
            ], environment: ProcessInfo.processInfo.environment)
        let words = result.stdoutText.split(separator: " ")
        return (String(words[0]), Int(words[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }

    @Test(
        "the zip decides business hours with no system time-zone database: the packaged Voice, /usr/share/zoneinfo hidden"
    )
    func hoursWithoutZoneinfo() throws {
        try #require(
            FileManager.default.fileExists(atPath: Self.zip.path),
            "dist/Voice.zip is missing: run `make package` (make test does)")
        let folder = try TestPaths.temporaryFolder()
        let unzip = try ProcessRunner.run(
            "/usr/bin/unzip", ["-q", Self.zip.path, "-d", folder.path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(unzip.status == 0, "\(unzip.stderrText)")

        // Kathmandu is 5:45 from UTC (St John's, 3:30 or 2:30, when Kathmandu is near
        // midnight): hours of the hour around now there are closed on any other clock.
        var zone = "Asia/Kathmandu"
        var now = try Self.wallClock(zone)
        if now.minute < 60 || now.minute > 1_380 {
            zone = "America/St_Johns"
            now = try Self.wallClock(zone)
        }
        func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }
        let api = try AdminAPIFixture(backend: "sqlite")
        try VoicemailNotificationTests.configure(api, AdminAPIFixture.cedar) {
            $0["timezone"] = zone
            $0["businessHours"] = [
                ["days": [now.weekday], "open": clock(now.minute - 40), "close": clock(now.minute + 40)]
            ]
            $0["afterHours"] = ["callRoutingMode": "voicemail", "voicemailGreeting": "Cedar is closed."]
        }
        func call() throws -> [String] {
            // A mount namespace of its own, with an empty folder over the system's zones.
            let script = """
                mount -t tmpfs none /usr/share/zoneinfo || exit 97
                test -e /usr/share/zoneinfo/\(zone) && exit 98
                exec "$@"
                """
            let result = try ProcessRunner.run(
                "/usr/bin/unshare",
                [
                    "--mount", "--map-root-user", "/bin/sh", "-c", script, "sh",
                    folder.appendingPathComponent("Voice").path,
                ],
                input: try ExampleData.event("voice-forward"),
                environment: [
                    "SWITCHBOARD_STORE": api.environment["SWITCHBOARD_STORE"]!,
                    "SWITCHBOARD_DATA_KEY": api.environment["SWITCHBOARD_DATA_KEY"]!,
                ])
            #expect(result.status == 0, "\(result.status): \(result.stderrText)")
            let response = try JSONDecoder().decode(HTTPResponse.self, from: result.stdout)
            return try TwiMLReader.read(response.body).map { $0.name + ":" + $0.text }
        }
        let open = try call()
        #expect(open.first { $0.hasPrefix("Dial") } != nil, "open in \(zone) at \(now): \(open)")
        try VoicemailNotificationTests.configure(api, AdminAPIFixture.cedar) {
            $0["businessHours"] = [
                ["days": [now.weekday], "open": clock(now.minute + 40), "close": clock(now.minute + 50)]
            ]
        }
        #expect(try call().contains("Say:Cedar is closed."))
    }
}
