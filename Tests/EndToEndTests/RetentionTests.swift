import Foundation
import SwitchboardBase
import SwitchboardCore
import TestSupport
import Testing

/// A company's recordings are kept only as long as it chose: the scheduled run deletes
/// the older ones at Twilio (the stand-in) with the company's own credentials and marks
/// their records; playing one then answers 410. `switchboard recordings purge` does the
/// same by hand.
@Suite("Recording retention")
struct RetentionTests {
    typealias F = AdminAPIFixture

    /// A voicemail call of `company`, `daysAgo` days old, with its recording `recording`.
    static func voicemail(_ api: F, company: String, call: String, recording: String, daysAgo: Double) throws {
        let store = try Stores.open(Environment(api.environment), appName: "switchboard-tests")
        var record = ArchiveRecord(
            sid: call, kind: .call, companyId: company,
            at: Timestamp.format(Date().addingTimeInterval(-daysAgo * 86_400)))
        record.from = "+15557654321"
        record.decision = "voicemail"
        record.recordingSid = recording
        record.recordingStatus = "completed"
        try store.archive(try ArchiveSettings(Environment(api.environment))).record(record)
    }

    static func deleted(_ api: F) throws -> Set<String> {
        Set(try api.twilio.recordings().filter { $0["deleted"] as? Bool == true }.compactMap { $0["sid"] as? String })
    }

    @Test(
        "the scheduled run deletes what is older than recordingRetentionDays, only for companies that set it; playback then 410; purge by hand",
        arguments: ["sqlite", "mongodb"])
    func retention(backend: String) throws {
        let api = try F(backend: backend)
        let birch = try F.credentials(of: F.birch)
        let acme = try F.credentials(of: F.acme)
        let old = "RE" + String(repeating: "0", count: 31) + "1"
        let recent = "RE" + String(repeating: "0", count: 31) + "2"
        let acmeOld = "RE" + String(repeating: "0", count: 31) + "3"
        for (sid, account) in [(old, birch.sid), (recent, birch.sid), (acmeOld, acme.sid)] {
            try api.twilio.addRecording(sid, account: account)
        }
        try Self.voicemail(
            api, company: F.birch, call: "CA" + String(repeating: "0", count: 31) + "1", recording: old, daysAgo: 45)
        try Self.voicemail(
            api, company: F.birch, call: "CA" + String(repeating: "0", count: 31) + "2", recording: recent, daysAgo: 3)
        try Self.voicemail(
            api, company: F.acme, call: "CA" + String(repeating: "0", count: 31) + "3", recording: acmeOld, daysAgo: 400
        )

        // ConfigPut takes 1–3650 days and refuses anything else by name.
        try VoicemailNotificationTests.configure(api, F.birch) { $0["recordingRetentionDays"] = 30 }
        let admin = try api.adminToken()
        var config = try #require(try F.json(try api.get(F.birch, token: admin))["twilioConfig"] as? [String: Any])
        #expect(config["recordingRetentionDays"] as? Int == 30)
        config["recordingRetentionDays"] = 0
        let refused = try api.put(
            F.birch, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), token: admin)
        #expect(refused.statusCode == 422 && refused.body.contains("a whole number of days from 1 to 3650"))

        let run = try HealthTests.scheduledRun(api.environment)
        #expect(run.stderrText.contains("retention.deleted"), "\(run.stderrText)")
        #expect(try Self.deleted(api) == [old])
        // Birch's own credentials asked for the delete.
        let delete = try api.twilio.requests().first { $0["method"] as? String == "DELETE" }
        #expect(
            delete?["user"] as? String == birch.sid && (delete?["path"] as? String)?.hasSuffix("\(old).json") == true)
        let calls = try StatusCallbackTests.archive(api, company: F.birch, kind: "call")
        let marked = calls.first { $0["recordingSid"] as? String == old }
        #expect(marked?["recordingDeletedAt"] is String, "\(calls)")
        #expect(calls.first { $0["recordingSid"] as? String == recent }?["recordingDeletedAt"] == nil)

        let gone = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.birch)/recordings/\(old)", token: admin
        ).response
        #expect(gone.statusCode == 410 && gone.body.contains("retention"), "\(gone.body)")
        #expect(
            try api.call("ConfigGet", "GET", "/api/companies/\(F.birch)/recordings/\(recent)", token: admin).response
                .statusCode == 200)

        // A second run finds nothing more to delete.
        _ = try HealthTests.scheduledRun(api.environment)
        #expect(try Self.deleted(api) == [old])

        // Acme keeps its recordings (no retention) until purged by hand.
        let purge = try ProcessRunner.run(
            ExampleData.executable("switchboard"),
            ["recordings", "purge", "--company", F.acme, "--before", "2026-01-01"], environment: api.environment)
        let before = Timestamp.parse("2026-01-01T00:00:00Z")!
        let expected = Date().addingTimeInterval(-400 * 86_400) < before ? 1 : 0
        #expect(
            purge.status == 0 && purge.stdoutText.hasPrefix("\(expected) recordings of Acme"),
            "\(purge.stdoutText)\(purge.stderrText)")
        let everything = try ProcessRunner.run(
            ExampleData.executable("switchboard"),
            ["recordings", "purge", "--company", F.acme, "--before", Timestamp.format(Date())],
            environment: api.environment)
        #expect(everything.status == 0, "\(everything.stdoutText)\(everything.stderrText)")
        #expect(try Self.deleted(api) == [old, acmeOld])
        let bad = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["recordings", "purge", "--company", F.acme, "--before", "soon"],
            environment: api.environment)
        #expect(bad.status != 0 && bad.stderrText.contains("--before must be"))
        try api.checkAgainstOpenAPI()
    }
}
