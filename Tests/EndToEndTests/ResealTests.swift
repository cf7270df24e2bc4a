import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// Finishing a data-key rotation with `switchboard reseal`, on both backends.
@Suite("switchboard reseal")
struct ResealTests {
    typealias F = AdminAPIFixture
    static let tool = ExampleData.executable("switchboard")

    static func key() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }

    @Test(
        "a store sealed under two keys ends under the current one, calls still validate, and a value under a removed key is reported, not dropped",
        arguments: ["sqlite", "mongodb"])
    func reseal(backend: String) throws {
        let api = try F(backend: backend)
        let keyA = try #require(api.environment["SWITCHBOARD_DATA_KEY"])
        let keyB = Self.key()
        let keyC = Self.key()
        var rotating = api.environment
        rotating["SWITCHBOARD_DATA_KEY"] = keyB
        rotating["SWITCHBOARD_DATA_KEY_PREVIOUS"] = keyA
        // One company saved since the rotation began (under B), one under a key since lost (C).
        let file = api.store.folder.appendingPathComponent("more.json")
        try Data(
            #"[{"_id": "65a1f0c2e4b0a1a2b3c4d5f1", "companyName": "Gum", "twilioConfig": {"accountSid": "AC00000000000000000000000000000021", "authToken": "21212121212121212121212121212121", "phoneNumbers": [{"phoneNumber": "+15550210001", "status": "active"}]}}]"#
                .utf8
        ).write(to: file)
        #expect(try ProcessRunner.run(Self.tool, ["seed", file.path], environment: rotating).status == 0)
        var lost = api.environment
        lost["SWITCHBOARD_DATA_KEY"] = keyC
        try Data(
            #"[{"_id": "65a1f0c2e4b0a1a2b3c4d5f2", "companyName": "Hazel", "twilioConfig": {"accountSid": "AC00000000000000000000000000000022", "authToken": "22222222222222222222222222222222", "phoneNumbers": [{"phoneNumber": "+15550220001", "status": "active"}]}}]"#
                .utf8
        ).write(to: file)
        #expect(try ProcessRunner.run(Self.tool, ["seed", file.path], environment: lost).status == 0)
        let hazelBefore = try api.storedDocument("65a1f0c2e4b0a1a2b3c4d5f2")

        let doctor = try ProcessRunner.run(Self.tool, ["doctor"], environment: rotating)
        #expect(
            doctor.stdoutText.contains("previous-key") && doctor.stdoutText.contains("unknown-key"),
            "\(doctor.stdoutText)")

        let first = try ProcessRunner.run(Self.tool, ["reseal"], environment: rotating)
        #expect(first.status == 1, "a value no key opens makes the run fail: \(first.stdoutText)")
        // Four auth tokens and Dune's SharedKey.
        #expect(first.stdoutText.contains("moved 5 values from key id"), "\(first.stdoutText)")
        #expect(first.stderrText.contains("65a1f0c2e4b0a1a2b3c4d5f2 twilioConfig.authToken cannot be opened"))
        #expect(try api.storedDocument("65a1f0c2e4b0a1a2b3c4d5f2") == hazelBefore, "the unopenable value was changed")

        let again = try ProcessRunner.run(Self.tool, ["reseal", "--json"], environment: rotating)
        let report = try #require(try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])
        #expect((report["moved"] as? [String: Any])?.isEmpty == true, "a second run moved values: \(report)")
        #expect(report["current"] as? Int == 6)

        // The old key is retired: the calls still validate.
        var retired = api.environment
        retired["SWITCHBOARD_DATA_KEY"] = keyB
        let after = try ProcessRunner.run(Self.tool, ["doctor"], environment: retired)
        #expect(!after.stdoutText.contains("previous-key"), "\(after.stdoutText)")
        for event in ["voice-ai-agent", "voice-voicemail", "voice-forward", "voice-legacy-number"] {
            let call = try ProcessRunner.run(
                ExampleData.executable("Voice"), input: try ExampleData.event(event), environment: retired)
            let response = try JSONDecoder().decode(HTTPResponse.self, from: call.stdout)
            #expect(
                response.statusCode == 200 && !response.body.contains("try again later"), "\(event): \(response.body)")
        }
        // Hazel's token still opens with its own key.
        let hazel = try ProcessRunner.run(Self.tool, ["explain", "+15550220001"], environment: lost)
        #expect(hazel.status == 0, "\(hazel.stdoutText)")
        #expect(ExampleData.leakedSecrets(in: first.stdout + first.stderr + again.stdout).isEmpty)
    }
}
