import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `PATCH /api/companies/{companyId}/twilio/config`: a JSON Merge Patch (RFC 7396) of
/// what `GET` shows. The demo's "release a number" must not wipe the SMS auto-reply, as
/// a `PUT` of one field would.
@Suite("PATCH a company's settings (JSON Merge Patch)")
struct ConfigPatchTests {
    typealias F = AdminAPIFixture
    static let mergePatch = ["content-type": "application/merge-patch+json"]

    static func patch(
        _ api: F, _ id: String, _ body: String, query: String = "verify=false", token: String?,
        headers: [String: String] = [:]
    ) throws -> HTTPResponse {
        try api.call(
            "ConfigPut", "PATCH", "/api/companies/\(id)/twilio/config", query: query, token: token, body: body,
            headers: mergePatch.merging(headers) { _, new in new }
        ).response
    }

    @Test(
        "one field changes and every other stays, the secrets too; null clears; an object merges; If-Match is honoured; the same validation as PUT",
        arguments: ["sqlite", "mongodb"])
    func mergePatch(backend: String) throws {
        let api = try F(backend: backend)
        let admin = try api.adminToken()
        let before = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        let document = try api.storedDocument(F.acme)

        // Release a number: only phoneNumbers changes; the auto-reply, the token and the rest stay.
        let numbers = try #require(before["phoneNumbers"] as? [[String: Any]])
        var released = numbers
        released[1]["status"] = "inactive"
        let body = String(
            decoding: try JSONSerialization.data(withJSONObject: ["phoneNumbers": released]), as: UTF8.self)
        let answer = try Self.patch(api, F.acme, body, token: admin)
        #expect(answer.statusCode == 200, "\(answer.body)")
        let after = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        #expect(((after["phoneNumbers"] as? [[String: Any]])?[1]["status"] as? String) == "inactive")
        #expect(after["smsAutoReply"] as? String == before["smsAutoReply"] as? String)
        #expect(after["smsAutoReply"] as? String != nil)
        #expect(after["authToken"] as? String == before["authToken"] as? String)
        #expect(after["agentStreamUrl"] as? String == before["agentStreamUrl"] as? String)
        #expect(try api.storedDocument(F.acme) != document)

        // null clears a setting; an object merges into the setting it names.
        #expect(
            try Self.patch(
                api, F.acme,
                #"{"twilioConfig": {"smsAutoReply": "Back at 8.", "afterHours": {"voicemailGreeting": "Closed."}}}"#,
                token: admin
            ).statusCode == 200)
        #expect(
            try Self.patch(
                api, F.acme, #"{"afterHours": {"smsMode": "auto-reply", "smsAutoReply": "Closed now."}}"#, token: admin
            )
            .statusCode == 200)
        let merged = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        #expect(
            merged["afterHours"] as? [String: String]
                == ["voicemailGreeting": "Closed.", "smsMode": "auto-reply", "smsAutoReply": "Closed now."])
        #expect(try Self.patch(api, F.acme, #"{"agentStreamUrl": null}"#, token: admin).statusCode == 200)
        let cleared = try #require(try F.json(try api.get(F.acme, token: admin))["twilioConfig"] as? [String: Any])
        #expect(cleared["agentStreamUrl"] is NSNull && cleared["smsAutoReply"] as? String == "Back at 8.")

        // The same rules as PUT, each naming its field; nothing stored.
        let stored = try api.storedDocument(F.acme)
        let refused = try Self.patch(api, F.acme, #"{"forwardRingSeconds": 3, "timezone": "Mars/Base"}"#, token: admin)
        #expect(refused.statusCode == 422)
        #expect(refused.body.contains("forwardRingSeconds") && refused.body.contains("timezone"), "\(refused.body)")
        #expect(try api.storedDocument(F.acme) == stored)

        // If-Match: a stale ETag is a 412; JSON that is not a merge patch is a 415; not an object, 400.
        let stale = try Self.patch(api, F.acme, #"{"smsAutoReply": "x"}"#, token: admin, headers: ["if-match": "\"0\""])
        #expect(stale.statusCode == 412, "\(stale.body)")
        let plain = try api.call(
            "ConfigPut", "PATCH", "/api/companies/\(F.acme)/twilio/config", query: "verify=false", token: admin,
            body: #"{"smsAutoReply": "x"}"#
        ).response
        #expect(plain.statusCode == 415, "\(plain.body)")
        #expect(try Self.patch(api, F.acme, "[1]", token: admin).statusCode == 400)
        #expect(try api.storedDocument(F.acme) == stored)
        // A company token may patch its own company only.
        let birch = try api.companyToken(F.birch)
        #expect(try Self.patch(api, F.acme, #"{"smsAutoReply": "x"}"#, token: birch).statusCode == 404)
        try api.checkAgainstOpenAPI()
    }
}
