import Foundation
import SwitchboardBase
import SwitchboardCore
import TestSupport
import Testing

/// A company's recordings played without handing out its credentials: with a token
/// (ConfigGet, one-shot as Lambda runs it), and through the signed, expiring link a
/// voicemail's text message carries. The audio is the stand-in's real MP3, fetched with
/// the company's own account.
@Suite("Recording playback")
struct PlaybackTests {
    typealias F = AdminAPIFixture
    typealias V = VoicemailCallbackTests

    static func audio(_ response: HTTPResponse) -> Data? {
        guard response.isBase64Encoded else { return nil }
        return Data(base64Encoded: response.body)
    }

    @Test(
        "with a token: the company's own recording as audio/mpeg; another company's, another account's, a bad sid and no token refused",
        arguments: ["sqlite", "mongodb"])
    func withToken(backend: String) throws {
        let api = try F(backend: backend)
        let birch = try F.credentials(of: F.birch)
        let acme = try F.credentials(of: F.acme)
        let acmeRecording = "RE" + String(repeating: "a", count: 32)
        try api.twilio.addRecording(V.recordingSid, account: birch.sid, seconds: 5)
        try api.twilio.addRecording(acmeRecording, account: acme.sid, seconds: 2)
        let path = "/api/companies/\(F.birch)/recordings/\(V.recordingSid)"

        let played = try api.call("ConfigGet", "GET", path, token: try api.companyToken(F.birch)).response
        #expect(
            played.statusCode == 200 && played.headers["content-type"] == "audio/mpeg", "\(played.body.prefix(300))")
        let bytes = try #require(Self.audio(played))
        #expect(bytes.count == 139 * 144 && bytes.prefix(4) == Data([0xFF, 0xFB, 0x18, 0xC0]))
        #expect(played.headers["location"] == nil)
        // The stand-in was asked with Birch's own account.
        let asked = try api.twilio.requests().last { ($0["path"] as? String)?.hasSuffix(".mp3") == true }
        #expect(asked?["user"] as? String == birch.sid)
        #expect(try api.call("ConfigGet", "GET", path, token: try api.adminToken()).response.statusCode == 200)

        // Another company's token: the 404 a missing company gets.
        let other = try api.call("ConfigGet", "GET", path, token: try api.companyToken(F.acme)).response
        #expect(other.statusCode == 404)
        // Acme's recording asked for under Birch: Twilio refuses Birch's account, a 404.
        let foreign = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.birch)/recordings/\(acmeRecording)", token: try api.adminToken()
        ).response
        #expect(foreign.statusCode == 404 && foreign.body.contains("no recording"), "\(foreign.body)")
        let bad = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.birch)/recordings/RE..%2F..", token: try api.adminToken()
        ).response
        #expect(bad.statusCode == 400 && bad.body.contains("recordingSid"))
        #expect(try api.call("ConfigGet", "GET", path, token: nil).response.statusCode == 401)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "the link in a voicemail's text plays without a login; tampered, re-targeted and expired links are 403s",
        arguments: ["sqlite"])
    func signedLink(backend: String) throws {
        let smtp = try SMTPServer(login: VoicemailNotificationTests.login)
        let api = try VoicemailNotificationTests.fixture(backend, smtp: smtp)
        let birch = try F.credentials(of: F.birch)
        try api.twilio.addRecording(V.recordingSid, account: birch.sid, seconds: 3)
        let sid = "CA" + String(repeating: "2", count: 31) + "b"
        _ = try StatusCallbackTests.post(
            [
                V.recording(sid, account: birch.sid, token: birch.token),
                V.transcript(sid, account: birch.sid, token: birch.token, text: "Call me."),
            ], api)
        let body = try #require(try VoicemailNotificationTests.texts(api).first?["body"] as? String)
        let link = try #require(body.components(separatedBy: "Listen: ").last)
        // Without SWITCHBOARD_PUBLIC_URL, the link points at the host the callback came to.
        #expect(
            link.hasPrefix(
                "https://\(WebhookEvents.host)/api/recordings/\(V.recordingSid)?c=\(F.birch)&e="))
        let mail = try #require(try smtp.received().first)
        #expect(mail.part("text/plain")?.contains("Listen: " + link) == true)
        #expect(mail.part("text/html")?.contains(link.replacingOccurrences(of: "&", with: "&amp;")) == true)

        let url = try #require(URLComponents(string: link))
        let query = url.percentEncodedQuery ?? ""
        let played = try api.call("ConfigGet", "GET", url.path, query: query, token: nil).response
        #expect(played.statusCode == 200 && Self.audio(played)?.count == 83 * 144, "\(played.body.prefix(300))")
        // Voice answers the same link on its own URL (where it points without a public URL).
        let voice = try api.call("Voice", "GET", url.path, query: query, token: nil, documented: false).response
        #expect(voice.statusCode == 200 && Self.audio(voice) == Self.audio(played), "\(voice.body.prefix(300))")
        let voiceTampered = try api.call(
            "Voice", "GET", url.path, query: query.replacingOccurrences(of: "e=", with: "e=1"), token: nil,
            documented: false
        ).response
        #expect(voiceTampered.statusCode == 403 && !voiceTampered.body.contains("<Response"))
        #expect(
            try api.call("Voice", "GET", "/api/twilio/voice", token: nil, documented: false).response.statusCode == 405)

        func refused(_ path: String, _ query: String) throws -> HTTPResponse {
            try api.call("ConfigGet", "GET", path, query: query, token: nil).response
        }
        let items = url.queryItems ?? []
        let signature = items.first { $0.name == "s" }?.value ?? ""
        let expires = items.first { $0.name == "e" }?.value ?? ""
        var flipped = Array(signature)
        flipped[3] = flipped[3] == "A" ? "B" : "A"
        let cases: [(String, String)] = [
            // A changed signature.
            (url.path, "c=\(F.birch)&e=\(expires)&s=\(String(flipped))"),
            // Another recording with the same signature.
            ("/api/recordings/RE" + String(repeating: "b", count: 32), query),
            // Another company.
            (url.path, "c=\(F.acme)&e=\(expires)&s=\(signature)"),
            // A later expiry.
            (url.path, "c=\(F.birch)&e=\((Int(expires) ?? 0) + 86_400)&s=\(signature)"),
            // No signature at all.
            (url.path, "c=\(F.birch)&e=\(expires)"),
        ]
        for (path, query) in cases {
            let answer = try refused(path, query)
            #expect(answer.statusCode == 403 && answer.body.contains("not valid"), "\(path)?\(query): \(answer.body)")
        }
        // An expired link, signed as the deployment signs them, a week and a day ago.
        let secret = api.environment["SWITCHBOARD_ADMIN_SECRET"] ?? ""
        let old = PlaybackLinkSigner(secret: secret).path(
            companyID: try CompanyID(F.birch), recordingSid: V.recordingSid, now: Date().addingTimeInterval(-8 * 86_400)
        )
        let oldURL = try #require(URLComponents(string: "https://x" + old))
        let expired = try refused(oldURL.path, oldURL.percentEncodedQuery ?? "")
        #expect(expired.statusCode == 403 && expired.body.contains("expired"), "\(expired.body)")
        try api.checkAgainstOpenAPI()
    }
}
