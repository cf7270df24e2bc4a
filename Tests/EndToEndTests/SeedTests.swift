import Foundation
import TestSupport
import Testing

/// `switchboard seed` applies a file as one change: numbers move between the file's
/// companies whatever their order, and a refusal saves nothing and names the holder.
@Suite("switchboard seed: one change, all or nothing")
struct SeedTests {
    static let tool = ExampleData.executable("switchboard")
    static let acme = "65a1f0c2e4b0a1a2b3c4d5e1"
    static let birch = "65a1f0c2e4b0a1a2b3c4d5e2"

    /// The example companies, edited by `change` (by company name), as a seed file.
    static func file(_ store: SeededStore, _ name: String, change: (inout [[String: Any]]) -> Void) throws -> String {
        var companies = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: ExampleData.companiesFile)) as? [[String: Any]])
        change(&companies)
        let path = store.folder.appendingPathComponent(name).path
        try JSONSerialization.data(withJSONObject: companies).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Moves `number`'s entry from the company named `from` to the one named `to`.
    static func move(_ number: String, from: String, to: String, in companies: inout [[String: Any]]) {
        var entry: Any?
        for index in companies.indices where companies[index]["companyName"] as? String == from {
            var config = companies[index]["twilioConfig"] as! [String: Any]
            var numbers = config["phoneNumbers"] as! [[String: Any]]
            entry = numbers.first { $0["phoneNumber"] as? String == number }
            numbers.removeAll { $0["phoneNumber"] as? String == number }
            config["phoneNumbers"] = numbers
            companies[index]["twilioConfig"] = config
        }
        for index in companies.indices where companies[index]["companyName"] as? String == to {
            var config = companies[index]["twilioConfig"] as! [String: Any]
            config["phoneNumbers"] = (config["phoneNumbers"] as! [[String: Any]]) + [entry!]
            companies[index]["twilioConfig"] = config
        }
    }

    /// The id of the company `switchboard explain` says answers `number`.
    static func owner(of number: String, _ environment: [String: String]) throws -> String? {
        let result = try ProcessRunner.run(tool, ["explain", "--json", number], environment: environment)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return (object?["company"] as? [String: Any])?["companyId"] as? String
    }

    @Test("a number moving between two companies of the file moves, whichever comes first in it, and moves back")
    func moveBothWays() throws {
        let store = try SeededStore()
        for reversed in [false, true] {
            let moved = try Self.file(store, "moved-\(reversed).json") { companies in
                Self.move("+15550100002", from: "Acme Dental Group", to: "Birch & Partners Law", in: &companies)
                if reversed { companies.reverse() }
            }
            let result = try ProcessRunner.run(Self.tool, ["seed", moved], environment: store.environment)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(result.stdoutText.contains("4 of 4 companies saved"))
            #expect(try Self.owner(of: "+15550100002", store.environment) == Self.birch)

            // The original file again: the number goes back to Acme, though Birch (which
            // holds it now) comes after Acme in the file.
            let back = try ProcessRunner.run(
                Self.tool, ["seed", ExampleData.companiesFile.path], environment: store.environment)
            #expect(back.status == 0, "\(back.stderrText)")
            #expect(back.stdoutText.contains("4 of 4 companies saved"))
            #expect(try Self.owner(of: "+15550100002", store.environment) == Self.acme)
        }
    }

    @Test("a number held by a company the file leaves holding it is refused, naming that company, and nothing is saved")
    func refusalSavesNothing() throws {
        let store = try SeededStore()
        // Birch takes Acme's number, but the file still gives it to Acme as well: claimed twice.
        let twice = try Self.file(store, "twice.json") { companies in
            for index in companies.indices where companies[index]["companyName"] as? String == "Birch & Partners Law" {
                var config = companies[index]["twilioConfig"] as! [String: Any]
                config["phoneNumbers"] =
                    (config["phoneNumbers"] as! [[String: Any]]) + [
                        ["phoneNumber": "+15550100002", "status": "active"]
                    ]
                config["callRoutingMode"] = "forward"
                config["forwardNumber"] = "+15550999999"
                companies[index]["twilioConfig"] = config
            }
        }
        let refusedTwice = try ProcessRunner.run(Self.tool, ["seed", twice], environment: store.environment)
        #expect(refusedTwice.status == 1)
        #expect(
            refusedTwice.stderrText.contains("+15550100002 is claimed by more than one company in the file"),
            "\(refusedTwice.stderrText)")
        #expect(
            refusedTwice.stderrText.contains("Acme Dental Group")
                && refusedTwice.stderrText.contains("Birch & Partners Law"))
        #expect(refusedTwice.stdoutText.contains("0 of 4 companies saved"))

        // Birch alone claims it: Acme, which holds it, is not in the file.
        let birchOnly = store.folder.appendingPathComponent("birch.json").path
        let birch = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: twice))) as? [[String: Any]])?
                .filter { $0["companyName"] as? String != "Acme Dental Group" })
        try JSONSerialization.data(withJSONObject: birch).write(to: URL(fileURLWithPath: birchOnly))
        let refused = try ProcessRunner.run(Self.tool, ["seed", birchOnly], environment: store.environment)
        #expect(refused.status == 1)
        #expect(
            refused.stderrText.contains(
                "phone number +15550100002 already belongs to another company: \"Acme Dental Group\" (\(Self.acme))"),
            "\(refused.stderrText)")
        #expect(refused.stdoutText.contains("0 of 3 companies saved"))

        // Nothing was saved: Acme still answers the number, and Birch's mode is unchanged.
        #expect(try Self.owner(of: "+15550100002", store.environment) == Self.acme)
        let explained = try ProcessRunner.run(
            Self.tool, ["explain", "--json", "+15550200001"], environment: store.environment)
        let routing =
            (try JSONSerialization.jsonObject(with: explained.stdout) as? [String: Any])?["routing"] as? [String: Any]
        #expect(routing?["storedMode"] as? String == "voicemail", "\(explained.stdoutText)")
    }
}
