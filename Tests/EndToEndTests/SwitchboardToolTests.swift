import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// The `switchboard` command: seed, invoke, sign.
@Suite("switchboard seed, invoke and sign")
struct SwitchboardToolTests {
    static let tool = ExampleData.executable("switchboard")

    @Test("seeding again updates the same companies; a company claiming another's number is refused")
    func reseedAndConflict() throws {
        let store = try SeededStore()
        let again = try ProcessRunner.run(
            Self.tool, ["seed", ExampleData.companiesFile.path], environment: store.environment)
        #expect(again.status == 0)
        #expect(again.stdoutText.contains("4 of 4 companies saved"))

        let intruder = store.folder.appendingPathComponent("intruder.json")
        try Data(
            #"""
            [{"companyName": "Intruder Inc", "twilioConfig": {"accountSid": "AC00000000000000000000000000000000",
              "authToken": "ffffffffffffffffffffffffffffffff", "phoneNumbers": [{"phoneNumber": "+1 555 010 0001", "status": "active"}],
              "callRoutingMode": "voicemail"}},
             {"companyName": "Broken", "twilioConfig": {"phoneNumber": "555-0100"}}]
            """#.utf8
        ).write(to: intruder)
        let refused = try ProcessRunner.run(Self.tool, ["seed", intruder.path], environment: store.environment)
        #expect(refused.status == 1)
        #expect(refused.stderrText.contains("phone number +15550100001 already belongs to another company"))
        #expect(refused.stderrText.contains("has no + or 00 country prefix"))
        #expect(!refused.stderrText.contains("ffffffffffffffffffffffffffffffff"))
        #expect(refused.stdoutText.contains("0 of 2 companies saved"))

        // Acme still answers its number.
        let answer = try ProcessRunner.run(
            Self.tool,
            [
                "invoke", "Voice", "--event",
                ExampleData.eventsFolder.appendingPathComponent("voice-ai-agent.json").path,
            ], environment: store.environment)
        #expect(answer.status == 0)
        #expect(answer.stdoutText.hasPrefix("HTTP 200"))
        #expect(answer.stdoutText.contains("<Connect>"))
    }

    @Test(
        "seed refuses files that are not company documents",
        arguments: ["not json", "{}", #"[{"_id": "bad id!", "companyName": "x"}]"#])
    func badSeedFiles(content: String) throws {
        let store = try SeededStore()
        let file = store.folder.appendingPathComponent("bad.json")
        try Data(content.utf8).write(to: file)
        let result = try ProcessRunner.run(Self.tool, ["seed", file.path], environment: store.environment)
        #expect(result.status != 0)
        #expect(!result.stderrText.isEmpty)
        #expect(!result.stderrText.contains("Fatal error"))
    }

    @Test("sign writes a signature Voice accepts, with or without SWITCHBOARD_PUBLIC_URL")
    func signCraftedEvent() throws {
        let store = try SeededStore()
        let token = try #require(ExampleData.authToken(ofCompanyNamed: "Acme Dental Group"))
        var event = try JSONSerialization.jsonObject(with: try ExampleData.event("voice-ai-agent")) as! [String: Any]
        let account = try #require(
            String(decoding: Data(base64Encoded: event["body"] as! String)!, as: UTF8.self)
                .split(separator: "&").first { $0.hasPrefix("AccountSid=") }?.dropFirst("AccountSid=".count))
        event["body"] =
            "AccountSid=\(account)&CallSid=CAcrafted&From=%2B15551112222&To=%2B15550100002&Note=caf%C3%A9+%27quoted%27"
        event["isBase64Encoded"] = false
        let file = store.folder.appendingPathComponent("crafted.json")
        try JSONSerialization.data(withJSONObject: event).write(to: file)

        var environment = store.environment
        environment["TWILIO_AUTH_TOKEN"] = token
        let signed = try ProcessRunner.run(Self.tool, ["sign", "--event", file.path], environment: environment)
        #expect(signed.status == 0, "\(signed.stderrText)")
        #expect(!(signed.stdoutText + signed.stderrText).contains(token))
        let accepted = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try Data(contentsOf: file), environment: store.environment)
        #expect(try JSONDecoder().decode(HTTPResponse.self, from: accepted.stdout).body.contains("<Connect>"))

        // Behind a proxy: signed for the public URL, accepted only when Voice knows it.
        environment["SWITCHBOARD_PUBLIC_URL"] = "https://calls.example.com"
        #expect(try ProcessRunner.run(Self.tool, ["sign", "--event", file.path], environment: environment).status == 0)
        let withURL = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try Data(contentsOf: file),
            environment: store.environment.merging(["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"]) { _, new in
                new
            })
        #expect(try JSONDecoder().decode(HTTPResponse.self, from: withURL.stdout).statusCode == 200)
        let withoutURL = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try Data(contentsOf: file), environment: store.environment)
        #expect(try JSONDecoder().decode(HTTPResponse.self, from: withoutURL.stdout).statusCode == 403)
    }

    @Test(
        "small things a person notices: sign refuses --token with --company, seed counts its numbers in English, archive list hides the ordering bookkeeping, explain says what its routing line means"
    )
    func smallThings() throws {
        let store = try SeededStore()
        let event = ExampleData.eventsFolder.appendingPathComponent("voice-ai-agent.json").path
        let both = try ProcessRunner.run(
            Self.tool,
            [
                "sign", "--event", event, "--company", "65a1f0c2e4b0a1a2b3c4d5e1", "--token",
                "0123456789abcdef0123456789abcdef",
            ],
            environment: store.environment)
        #expect(
            both.status != 0 && both.stderrText.contains("--token and --company each name the token"),
            "\(both.stderrText)")

        let seeded = try ProcessRunner.run(
            Self.tool, ["seed", ExampleData.companiesFile.path], environment: store.environment)
        #expect(seeded.stdoutText.contains("2 of 2 numbers active"), "\(seeded.stdoutText)")
        #expect(seeded.stdoutText.contains("1 of 1 number active"), "\(seeded.stdoutText)")
        #expect(!seeded.stdoutText.contains("active of"))

        let answered = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-ai-agent"),
            environment: store.environment)
        #expect(answered.status == 0)
        let listed = try ProcessRunner.run(
            Self.tool, ["archive", "list", "--company", "65a1f0c2e4b0a1a2b3c4d5e1"], environment: store.environment)
        #expect(listed.status == 0 && listed.stdoutText.contains("\"decision\":\"ai-agent\""), "\(listed.stdoutText)")
        #expect(!listed.stdoutText.contains("statusOrder"))

        // invoke: the answer on standard output, and only warnings on standard error unless asked.
        let forward = ExampleData.eventsFolder.appendingPathComponent("voice-forward.json").path
        var unset = store.environment
        unset.removeValue(forKey: "LOG_LEVEL")
        let quiet = try ProcessRunner.run(Self.tool, ["invoke", "Voice", "--event", forward], environment: unset)
        #expect(quiet.status == 0 && quiet.stdoutText.hasPrefix("HTTP 200") && quiet.stdoutText.contains("<Dial"))
        #expect(!quiet.stderrText.contains("voice.answered"), "\(quiet.stderrText)")
        #expect(!quiet.stdoutText.contains("\"level\""), "a log line in the answer")
        let verbose = try ProcessRunner.run(
            Self.tool, ["invoke", "Voice", "--event", forward, "--verbose"], environment: unset)
        #expect(verbose.stderrText.contains("voice.answered") && !verbose.stdoutText.contains("voice.answered"))

        let explained = try ProcessRunner.run(Self.tool, ["explain", "+15550100001"], environment: store.environment)
        #expect(explained.stdoutText.contains("5. Routing: ai-agent, as stored"), "\(explained.stdoutText)")
        #expect(!explained.stdoutText.contains("→"))
    }

    @Test("invoke: unknown and unbuilt functions are named")
    func invokeErrors() throws {
        let store = try SeededStore()
        let event = ExampleData.eventsFolder.appendingPathComponent("voice-ai-agent.json").path
        let unknown = try ProcessRunner.run(
            Self.tool, ["invoke", "Fax", "--event", event], environment: store.environment)
        #expect(unknown.status != 0)
        #expect(unknown.stderrText.contains("unknown function Fax"))
        let missingEvent = try ProcessRunner.run(
            Self.tool, ["invoke", "Voice", "--event", "/no/such/file.json"], environment: store.environment)
        #expect(missingEvent.stderrText.contains("cannot read event file"))
    }
}
