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
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["Voice", "bootstrap", "lib"])

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
}
