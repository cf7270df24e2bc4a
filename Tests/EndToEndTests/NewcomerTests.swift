import Foundation
import SwitchboardRuntime
import TestSupport
import Testing

/// What a person new to Switchboard meets first, as the `switchboard` command and the
/// functions behave for them.
@Suite("What a newcomer meets: help, versions, signed requests, honest errors")
struct NewcomerTests {
    static let tool = ExampleData.executable("switchboard")
    static let subcommands = [
        "seed", "invoke", "sign", "token", "rotate-token", "serve", "emulate", "doctor", "migrate", "archive", "sms",
        "call",
        "health", "explain", "reseal", "signing",
    ]

    @Test("every example command in the help is a valid shell command line, as typed")
    func helpExamplesAreShell() throws {
        var examples: [String] = []
        for name in [""] + Self.subcommands {
            let help = try ProcessRunner.run(
                Self.tool, name.isEmpty ? ["--help"] : [name, "--help"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(help.status == 0, "\(name) --help")
            for line in help.stdoutText.split(separator: "\n") {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("switchboard ") && !text.contains("<") { examples.append(text) }
            }
        }
        #expect(examples.contains { $0.hasPrefix("switchboard explain") }, "no explain example found: \(examples)")
        for example in examples {
            let check = try ProcessRunner.run(
                "/bin/bash", ["-n", "-c", example], environment: ["PATH": "/usr/bin:/bin"])
            #expect(check.status == 0, "not a shell command line: \(example)\n\(check.stderrText)")
        }
    }

    @Test("switchboard --version names the version")
    func version() throws {
        let result = try ProcessRunner.run(Self.tool, ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(
            result.stdoutText.range(of: #"^switchboard \d+\.\d+\.\d+"#, options: .regularExpression) != nil,
            "\(result.stdoutText)")
    }

    @Test("sign --curl prints a command that gets a signed webhook answered by switchboard serve")
    func signedCurlAtServe() throws {
        let store = try SeededStore()
        let server = try LocalServer(["serve"], environment: store.environment)
        defer { _ = server.stop() }
        let token = try #require(ExampleData.authToken(ofCompanyNamed: "Cedar Plumbing"))
        let event = ExampleData.eventsFolder.appendingPathComponent("voice-forward.json").path
        let before = try Data(contentsOf: URL(fileURLWithPath: event))
        let printed = try ProcessRunner.run(
            Self.tool, ["sign", "--event", event, "--curl", "http://\(server.address)"],
            environment: store.environment.merging(["TWILIO_AUTH_TOKEN": token]) { _, new in new })
        #expect(printed.status == 0, "\(printed.stderrText)")
        #expect(!printed.stdoutText.contains(token), "the command carries the token")
        #expect(try Data(contentsOf: URL(fileURLWithPath: event)) == before, "--curl rewrote the event file")
        let answered = try ProcessRunner.run(
            "/bin/sh", ["-c", printed.stdoutText], environment: ["PATH": "/usr/bin:/bin"])
        #expect(answered.stdoutText.hasPrefix("HTTP/1.1 200"), "\(answered.stdoutText)")
        #expect(answered.stdoutText.contains("<Dial"), "\(answered.stdoutText)")

        // Signed for another address, the same request is refused: the signature covers the URL.
        let elsewhere = try ProcessRunner.run(
            Self.tool, ["sign", "--event", event, "--curl", "http://localhost:1"],
            environment: store.environment.merging(["TWILIO_AUTH_TOKEN": token]) { _, new in new })
        let moved = elsewhere.stdoutText.replacingOccurrences(
            of: "http://localhost:1", with: "http://\(server.address)")
        let refused = try ProcessRunner.run("/bin/sh", ["-c", moved], environment: ["PATH": "/usr/bin:/bin"])
        #expect(refused.stdoutText.hasPrefix("HTTP/1.1 403"), "\(refused.stdoutText)")
    }

    @Test("doctor without the data key refuses, naming it, rather than report no problems")
    func doctorNeedsTheKey() throws {
        let store = try SeededStore()
        var environment = store.environment
        environment["SWITCHBOARD_DATA_KEY"] = nil
        let result = try ProcessRunner.run(Self.tool, ["doctor"], environment: environment)
        #expect(result.status != 0)
        #expect(result.stderrText.contains("SWITCHBOARD_DATA_KEY is not set"), "\(result.stderrText)")
        #expect(!result.stdoutText.contains("no problems found"))
        // With it, the same store is in order.
        let checked = try ProcessRunner.run(Self.tool, ["doctor"], environment: store.environment)
        #expect(checked.status == 0, "\(checked.stdoutText)")
        #expect(checked.stdoutText.contains("no problems found"))
    }

    @Test(
        "an invocation that is not JSON, through bootstrap: the error points into the bytes sent, not bootstrap's wrapper"
    )
    func bootstrapOffsets() throws {
        let store = try SeededStore()
        let setup = try BootstrapTests.Setup(function: "Voice", store: store)
        for (sent, offset) in [
            ("not json", 0), (#"{"rawPath": "/x", oops}"#, 18), ("{\n  \"rawPath\": \"/x\",\n  oops\n}", 23),
        ] {
            let (errorType, body) = try setup.invoke(Data(sent.utf8))
            #expect(errorType != nil)
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.contains("at byte \(offset) of the event"), "\(sent): \(text)")
        }
        _ = setup.finish()
    }
}
