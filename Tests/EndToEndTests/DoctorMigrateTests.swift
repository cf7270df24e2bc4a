import Foundation
import TestSupport
import Testing

/// `switchboard doctor` and `switchboard migrate` on a database the earlier system wrote.
@Suite("doctor and migrate on an old database")
struct DoctorMigrateTests {
    static let tool = ExampleData.executable("switchboard")

    /// Four old companies: legacy spellings and plaintext tokens; one holding another's
    /// number in another spelling; forward mode without a number; numbers without
    /// credentials.
    static func seedOldDatabase(_ uri: String) throws {
        for document in [
            #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5a1"}, "companyName": "Alder", "twilioConfig": {"accountSid": "AC00000000000000000000000000000001", "authToken": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "phoneNumber": "+1-555-090-0001", "phoneNumbers": [{"phoneNumber": "+1 (555) 090-0002", "status": "active"}, {"phoneNumber": "+44-20-7946-0958", "status": "active"}], "callRoutingMode": "voicemail", "forwardNumber": "+1-555-000-1111", "lastUpdated": {"$date": "2024-01-01T00:00:00Z"}}}"#,
            #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5a2"}, "companyName": "Beech", "twilioConfig": {"accountSid": "AC00000000000000000000000000000002", "authToken": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2", "phoneNumbers": [{"phoneNumber": "+15550900002", "status": "inactive"}], "callRoutingMode": "voicemail"}}"#,
            #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5a3"}, "companyName": "Cypress", "twilioConfig": {"accountSid": "AC00000000000000000000000000000003", "authToken": "ccccccccccccccccccccccccccccccc3", "phoneNumbers": [{"phoneNumber": "+15550900003", "status": "active"}], "callRoutingMode": "forward"}}"#,
            #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5a4"}, "companyName": "Dogwood", "twilioConfig": {"phoneNumber": "+15550900004", "callRoutingMode": "voicemail"}}"#,
            #"{"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5a5"}, "companyName": "Elm", "twilioConfig": {"phoneNumbers": "not a list"}}"#,
        ] {
            try MongoSeed.insert(uri: uri, json: document)
        }
    }

    @Test("doctor finds every problem; migrate refuses over a duplicate, then fixes what it can, once")
    func doctorAndMigrate() throws {
        let server = try MongoTestServer()
        let uri = server.uri + "/legacy"
        try Self.seedOldDatabase(uri)
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let environment = ["PATH": "/usr/bin:/bin", "SWITCHBOARD_STORE": uri, "SWITCHBOARD_DATA_KEY": key]

        let doctor = try ProcessRunner.run(Self.tool, ["doctor", "--json"], environment: environment)
        #expect(doctor.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: doctor.stdout) as? [String: Any])
        let kinds = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        for kind in [
            "duplicate-number", "not-e164", "unmatched-spelling", "plaintext-secret", "missing-credentials",
            "forward-without-number", "unreadable-document",
        ] {
            #expect(kinds.contains(kind), "doctor missed \(kind): \(kinds)")
        }
        // Each spelling the MongoDB lookup cannot match is named; the dashed North
        // American one it can match is not.
        let unmatched = (report["findings"] as? [[String: Any]] ?? []).filter {
            $0["kind"] as? String == "unmatched-spelling"
        }
        let details = unmatched.compactMap { $0["detail"] as? String }
        #expect(details.count == 2, "\(details)")
        #expect(details.contains { $0.contains("\"+44-20-7946-0958\"") && $0.contains("+442079460958") })
        #expect(details.contains { $0.contains("\"+1 (555) 090-0002\"") })
        #expect(!details.contains { $0.contains("+1-555-090-0001") })
        #expect(!doctor.stdoutText.contains("aaaaaaaa"), "doctor printed a secret")
        #expect(
            try ProcessRunner.run(Self.tool, ["doctor"], environment: environment).stdoutText.contains(
                "+15550900002 is held by 2 companies"))

        let refused = try ProcessRunner.run(Self.tool, ["migrate", "--apply"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderrText.contains("+15550900002 is held by 2 companies"))
        #expect(refused.stderrText.contains("65a1f0c2e4b0a1a2b3c4d5a2"))

        // A person decides: Beech gives the number up.
        try MongoSeed.execute(
            uri: uri, statement: "c.update_one({'companyName': 'Beech'}, {'$set': {'twilioConfig.phoneNumbers': []}})")

        let dryRun = try ProcessRunner.run(Self.tool, ["migrate"], environment: environment)
        #expect(dryRun.status == 0, "\(dryRun.stderrText)")
        #expect(dryRun.stdoutText.contains("would migrate 65a1f0c2e4b0a1a2b3c4d5a1"))
        #expect(dryRun.stderrText.contains("skipped unreadable document 65a1f0c2e4b0a1a2b3c4d5a5"))
        #expect(try MongoSeed.find(uri: uri).contains("+1-555-090-0001"))  // a dry run changes nothing

        let applied = try ProcessRunner.run(Self.tool, ["migrate", "--apply"], environment: environment)
        #expect(applied.status == 0, "\(applied.stderrText)")
        let stored = try MongoSeed.find(uri: uri)
        #expect(!stored.contains("+1-555-090-0001") && !stored.contains("(555)"))
        #expect(
            stored.contains("\"+15550900001\"") && stored.contains("\"+15550900002\"")
                && stored.contains("\"+442079460958\""))
        #expect(
            stored.contains("\"+15550001111\"") && !stored.contains("+1-555-000-1111"),
            "forwardNumber was not normalised")
        for token in [
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2", "ccccccccccccccccccccccccccccccc3",
        ] {
            #expect(!stored.contains(token), "a token is still in clear")
        }
        #expect(stored.contains("sealed:v1:"))
        #expect(stored.contains("2024-01-01"))  // what was not migrated is untouched
        let indexes = try MongoSeed.indexNames(uri: uri)
        #expect(
            indexes.contains("switchboard_phoneNumbers_unique") && indexes.contains("switchboard_phoneNumber_unique"))

        let again = try ProcessRunner.run(Self.tool, ["migrate", "--apply"], environment: environment)
        #expect(again.stdoutText.contains("nothing to migrate"))

        // What migration cannot decide is still reported.
        let after = try ProcessRunner.run(Self.tool, ["doctor"], environment: environment)
        #expect(after.status == 1)
        #expect(after.stdoutText.contains("forward-without-number") && after.stdoutText.contains("missing-credentials"))
        #expect(!after.stdoutText.contains("plaintext-secret") && !after.stdoutText.contains("not-e164"))

        // The migrated company answers calls with its sealed token.
        let lookup = try ProcessRunner.run(
            ExampleData.executable("Voice"),
            input: try JSONSerialization.data(withJSONObject: [
                "rawPath": "/api/twilio/voice",
                "requestContext": ["http": ["method": "POST"], "domainName": "x.example"],
                "body": "To=%2B15550900001&AccountSid=AC00000000000000000000000000000001",
                "headers": ["x-twilio-signature": "bad"],
            ]), environment: environment)
        #expect(lookup.stdoutText.contains("\"statusCode\":403"))  // found, token opened, signature refused
    }

    @Test("on the embedded store: seed stores the example's legacy spelling in E.164, so doctor finds nothing")
    func embeddedStore() throws {
        let store = try SeededStore()
        let doctor = try ProcessRunner.run(Self.tool, ["doctor"], environment: store.environment)
        #expect(doctor.status == 0, "\(doctor.stdoutText)")
        #expect(doctor.stdoutText.contains("4 companies"))
        #expect(doctor.stdoutText.contains("no problems found"))
        let migrate = try ProcessRunner.run(Self.tool, ["migrate", "--apply"], environment: store.environment)
        #expect(migrate.status == 0, "\(migrate.stderrText)")
        #expect(migrate.stdoutText.contains("nothing to migrate"))
        let call = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-legacy-number"),
            environment: store.environment)
        #expect(call.stdoutText.contains("Dune Bakery"))
    }
}
