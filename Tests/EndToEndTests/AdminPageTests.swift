import Foundation
import TestSupport
import Testing

/// The admin page in a real browser: Debian's Chromium, headless, driven by Selenium
/// (Tests/Support/admin_page_check.py) against `switchboard serve` on the embedded store
/// with the Twilio stand-in. Screenshots of each screen go to .switchboard/screenshots/.
@Suite("admin page in Chromium")
struct AdminPageTests {
    typealias F = AdminAPIFixture

    @Test(
        "sign in, companies with their health and problems only, edit and save, 409, 412, a field's error, Test connection refused, Check now, health with the sweep's summary, a company token, markup as text, phone width"
    )
    func adminPage() throws {
        let api = try F(extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": "https://calls.example.com"])
        let file = api.store.folder.appendingPathComponent("odd.json")
        try Data(
            #"[{"_id": "65a1f0c2e4b0a1a2b3c4d5f8", "companyName": "<script>alert(1)</script> & Sons", "twilioConfig": {"callRoutingMode": "voicemail"}}]"#
                .utf8
        ).write(to: file)
        #expect(
            try ProcessRunner.run(
                ExampleData.executable("switchboard"), ["seed", file.path], environment: api.environment
            ).status == 0)
        // Every company's health is stored, as the scheduled sweep would have done.
        #expect(
            try ProcessRunner.run(
                ExampleData.executable("switchboard"), ["health", "--sweep"], environment: api.environment
            ).status == 0)
        // Birch has a voicemail: its recording at Twilio, its transcript in the archive.
        let birch = try F.credentials(of: F.birch)
        let call = "CA" + String(repeating: "3", count: 32)
        try api.twilio.addRecording(VoicemailCallbackTests.recordingSid, account: birch.sid, seconds: 4)
        // Signed for the host the callbacks name, as Twilio would sign them without a public URL.
        api.setEnvironment("SWITCHBOARD_PUBLIC_URL", nil)
        defer { api.setEnvironment("SWITCHBOARD_PUBLIC_URL", "https://calls.example.com") }
        let answers = try StatusCallbackTests.post(
            [
                VoicemailCallbackTests.recording(call, account: birch.sid, token: birch.token),
                VoicemailCallbackTests.transcript(
                    call, account: birch.sid, token: birch.token, text: "Hello, it's <Dana> about the lease."),
            ], api)
        #expect(answers.allSatisfy { $0.0.statusCode == 204 }, "\(answers.map(\.1))")
        api.setEnvironment("SWITCHBOARD_PUBLIC_URL", "https://calls.example.com")
        let server = try LocalServer(["serve"], environment: api.environment)
        defer { server.stop() }
        let screenshots = TestPaths.packageRoot.appendingPathComponent(".switchboard/screenshots").path
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [
                TestPaths.packageRoot.appendingPathComponent("Tests/Support/admin_page_check.py").path,
                "http://127.0.0.1:\(server.port)/admin/", try api.adminToken(), try api.companyToken(F.birch),
                screenshots,
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("admin page: all steps passed"))
        for name in ["sign-in", "companies", "company", "health", "company-phone", "voicemails"] {
            #expect(FileManager.default.fileExists(atPath: screenshots + "/\(name).png"), "no screenshot of \(name)")
        }
    }

    @Test("serve gives the page with a strict Content-Security-Policy, and nothing outside Admin/")
    func served() throws {
        let store = try SeededStore()
        let server = try LocalServer(["serve"], environment: store.environment)
        defer { server.stop() }
        let client = try CurlHTTPClientForTests()
        let page = try client.get("http://127.0.0.1:\(server.port)/admin/")
        #expect(page.status == 200)
        let policy = page.headers["content-security-policy"] ?? ""
        #expect(
            policy.contains("script-src 'self'") && policy.contains("connect-src 'self'")
                && !policy.contains("unsafe-inline"))
        #expect(page.headers["x-content-type-options"] == "nosniff")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(
            !html.contains("<script>") && html.contains(#"<script type="module" src="app.js"></script>"#),
            "inline script in the page")
        for path in [
            "/admin/../Package.swift", "/admin/.git/config", "/admin/%2e%2e/Package.swift",
            "/admin/views/../../Package.swift",
        ] {
            #expect(try client.get("http://127.0.0.1:\(server.port)\(path)").status == 404, "\(path)")
        }
        #expect(
            try client.get("http://127.0.0.1:\(server.port)/admin/app.js").headers["content-type"]?.hasPrefix(
                "text/javascript") == true)
    }
}
