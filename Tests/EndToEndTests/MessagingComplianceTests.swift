import Foundation
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime
import TestSupport
import Testing

/// Opt-outs, messaging services and WhatsApp senders through the built functions, on
/// both backends: inbound messages signed by twilio-python, Outbound against the Twilio
/// stand-in over a real socket (what it was asked is what the user would check), answers
/// checked against openapi.yaml.
@Suite("Opt-outs, messaging services and WhatsApp, end to end")
struct MessagingComplianceTests {
    typealias F = AdminAPIFixture
    typealias Callback = StatusCallbackTests.Callback
    static let customer = "+15557654321"
    static let service = "MG" + String(repeating: "ab", count: 16)
    static let template = "HX" + String(repeating: "cd", count: 16)

    /// An inbound message to `to` from `from`, as `company`'s account posts it.
    static func inbound(
        to: String, from: String = customer, body: String, company: String, extra: [(String, String)] = [],
        signedBy: String? = nil
    ) throws -> Callback {
        let credentials = try F.credentials(of: company)
        let signer = try signedBy.map { try F.credentials(of: $0).token } ?? credentials.token
        let sid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return Callback(
            path: "/api/twilio/sms", query: "",
            params: [
                ("AccountSid", credentials.sid), ("Body", body), ("From", from), ("MessageSid", sid),
                ("NumMedia", "0"), ("To", to),
            ] + extra, token: signer)
    }

    static func messagesSent(_ api: F) throws -> Int {
        try api.twilio.requests().filter { ($0["path"] as? String)?.hasSuffix("/Messages.json") == true }.count
    }

    @Test(
        "STOP opts a customer out of every send of the company, listed over HTTP and by the command; START opts back in",
        arguments: ["sqlite", "mongodb"])
    func stopAndStart(backend: String) throws {
        let api = try OutboundTests.fixture(backend)
        let admin = try api.adminToken()
        let owner = try api.companyToken(F.acme)
        // The customer texts "stop " to Acme's second number.
        let answers = try StatusCallbackTests.post(
            [try Self.inbound(to: "+15550100002", body: " stop ", company: F.acme)], api)
        #expect(answers[0].0.statusCode == 200 && !answers[0].0.body.contains("<Message"), "Twilio confirms, not us")

        // Outbound, from any of Acme's numbers, refused before Twilio is asked.
        for from in ["+15550100001", "+15550100002"] {
            let (response, log) = try OutboundTests.post(
                api, F.acme, "messages", ["to": Self.customer, "body": "Your cleaning is tomorrow", "from": from],
                token: owner)
            #expect(response.statusCode == 422, "\(response.body) \(log.suffix(300))")
            let problem = try F.json(response)
            #expect(problem["title"] as? String == "recipient opted out")
            #expect(
                (problem["detail"] as? String)?.hasSuffix(
                    "nothing was sent. Only a START from \(Self.customer) opts them back in") == true,
                "\(response.body)")
        }
        #expect(try Self.messagesSent(api) == 0, "nothing reached Twilio")
        // Birch's customers are Birch's: the same number is not opted out of Birch.
        let birch = try OutboundTests.post(
            api, F.birch, "messages", ["to": Self.customer, "body": "Your documents are ready"], token: admin)
        #expect(birch.response.statusCode == 201, "\(birch.response.body)")

        // The listing: admin and the company's own token; not another company's token.
        let listed = try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/opt-outs", token: owner).response
        #expect(listed.statusCode == 200, "\(listed.body)")
        let page = try F.json(listed)
        #expect(page["count"] as? Int == 1)
        let entries = page["optOuts"] as? [[String: Any]] ?? []
        #expect(
            entries.map { $0["number"] as? String } == [Self.customer] && entries.first?["source"] as? String == "STOP")
        let other = try api.call(
            "ConfigGet", "GET", "/api/companies/\(F.acme)/opt-outs", token: try api.companyToken(F.birch)
        ).response
        #expect(other.statusCode == 404)
        // Nobody opts a number back in over the API, the company least of all.
        for method in ["DELETE", "POST", "PUT", "PATCH"] {
            let attempt = try api.call(
                "ConfigGet", method, "/api/companies/\(F.acme)/opt-outs", token: owner,
                body: "{\"number\":\"\(Self.customer)\"}",
                documented: false
            ).response
            #expect(attempt.statusCode == 405, "\(method): \(attempt.body)")
        }
        let command = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["opt-outs", "--company", F.acme], environment: api.environment)
        #expect(
            command.status == 0 && command.stdoutText.contains("\"number\":\"\(Self.customer)\""),
            "\(command.stderrText)")
        #expect(command.stderrText.contains("1 number opted out"))

        // START from the customer, and Acme may write again.
        _ = try StatusCallbackTests.post([try Self.inbound(to: "+15550100001", body: "START", company: F.acme)], api)
        let again = try OutboundTests.post(
            api, F.acme, "messages", ["to": Self.customer, "body": "Welcome back"], token: owner)
        #expect(again.response.statusCode == 201, "\(again.response.body)")
        #expect(
            try F.json(try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/opt-outs", token: admin).response)[
                "count"] as? Int == 0)
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "Twilio's OptOutType opts out a custom keyword; Twilio's 21610 is kept as an opt-out; a voicemail text skips an opted-out number",
        arguments: ["sqlite", "mongodb"])
    func twilioOptOuts(backend: String) throws {
        let api = try OutboundTests.fixture(backend)
        let admin = try api.adminToken()
        _ = try StatusCallbackTests.post(
            [try Self.inbound(to: "+15550100001", body: "Arrêt", company: F.acme, extra: [("OptOutType", "STOP")])], api
        )
        let first = try OutboundTests.post(api, F.acme, "messages", ["to": Self.customer, "body": "Hi"], token: admin)
        #expect(
            first.response.statusCode == 422 && first.response.body.contains("OptOutType=STOP"),
            "\(first.response.body)")

        // A number that told Twilio STOP before Switchboard knew: Twilio's 21610, kept.
        let other = "+15557650000"
        try api.twilio.stop(other, account: try F.credentials(of: F.acme).sid)
        let key = UUID().uuidString
        let refused = try OutboundTests.post(
            api, F.acme, "messages", ["to": other, "body": "Hi"], token: admin, key: key)
        #expect(refused.response.statusCode == 422 && refused.response.body.contains("recipient opted out"))
        #expect(refused.response.body.contains("Twilio error 21610"), "\(refused.response.body)")
        // Twilio's refusal is the key's lasting answer: the same request again is answered from the key.
        let replayed = try OutboundTests.post(
            api, F.acme, "messages", ["to": other, "body": "Hi"], token: admin, key: key)
        #expect(replayed.response.body == refused.response.body)
        #expect(replayed.response.headers["idempotent-replayed"] == "true")
        let before = try Self.messagesSent(api)
        let repeated = try OutboundTests.post(api, F.acme, "messages", ["to": other, "body": "Hi"], token: admin)
        #expect(repeated.response.statusCode == 422)
        #expect(try Self.messagesSent(api) == before, "the second send never reached Twilio")
        let listed = try F.json(
            try api.call("ConfigGet", "GET", "/api/companies/\(F.acme)/opt-outs", token: admin).response)
        let sources = (listed["optOuts"] as? [[String: Any]] ?? []).map { $0["source"] as? String ?? "" }
        #expect(sources.sorted() == ["OptOutType=STOP", "twilio-21610"])
        try api.checkAgainstOpenAPI()
    }

    @Test(
        "a messaging service: another account's is refused at save, the company's own sends without a from, the sweep reports its A2P state",
        arguments: ["sqlite", "mongodb"])
    func messagingService(backend: String) throws {
        let api = try OutboundTests.fixture(backend)
        let admin = try api.adminToken()
        let acme = try F.credentials(of: F.acme)
        let birch = try F.credentials(of: F.birch)
        let others = "MG" + String(repeating: "ef", count: 16)
        try api.twilio.addService(others, account: birch.sid, registered: true)
        try api.twilio.addService(Self.service, account: acme.sid, registered: false)
        let patch = { (sid: String) throws -> HTTPResponse in
            try api.call(
                "ConfigPut", "PATCH", "/api/companies/\(F.acme)/twilio/config", token: admin,
                body: "{\"messagingServiceSid\":\"\(sid)\"}", headers: ["content-type": "application/merge-patch+json"]
            ).response
        }
        let foreign = try patch(others)
        #expect(foreign.statusCode == 422, "\(foreign.body)")
        #expect(
            foreign.body.contains("messagingServiceSid")
                && foreign.body.contains("is not a messaging service of Twilio account"))
        let malformed = try patch("MG123")
        #expect(malformed.statusCode == 422 && malformed.body.contains("MG followed by 32 hexadecimal digits"))
        let saved = try patch(Self.service)
        #expect(saved.statusCode == 200, "\(saved.body)")
        let report = try F.json(saved)["verification"] as? [String: Any]
        #expect((report?["messagingService"] as? [String: Any])?["usAppToPersonRegistered"] as? Bool == false)

        let sent = try OutboundTests.post(
            api, F.acme, "messages", ["to": Self.customer, "body": "Hello"], token: admin)
        #expect(sent.response.statusCode == 201, "\(sent.response.body)")
        let message = try #require(try api.twilio.messages().last)
        #expect(message["messaging_service_sid"] as? String == Self.service)
        #expect(
            message["status_callback"] as? String
                == "\(OutboundTests.publicBase)/api/twilio/sms/status?companyId=\(F.acme)")
        let record = try F.json(sent.response)["record"] as? [String: Any]
        #expect(record?["messagingServiceSid"] as? String == Self.service)
        // A given from must still be the company's.
        let wrongFrom = try OutboundTests.post(
            api, F.acme, "messages", ["to": Self.customer, "body": "Hello", "from": "+15550200001"], token: admin)
        #expect(wrongFrom.response.statusCode == 422 && wrongFrom.response.body.contains("\"from\""))

        let explained = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["explain", "+15550100001"], environment: api.environment)
        #expect(
            explained.stdoutText.contains("Messages: sent through messaging service \(Self.service)"),
            "\(explained.stdoutText)")

        // The company's health: DEGRADED, naming A2P 10DLC.
        let health = try api.call("Health", "GET", "/api/companies/\(F.acme)/health", token: admin).response
        let body = try F.json(health)
        let problems = (body["problems"] as? [String] ?? []).joined(separator: " ")
        #expect(problems.contains("not registered for A2P 10DLC"), "\(health.body)")
        #expect(body["status"] as? String != "HEALTHY")
        #expect((body["messagingService"] as? [String: Any])?["usAppToPersonRegistered"] as? Bool == false)
        try api.checkAgainstOpenAPI()
    }

    /// Acme with `+15550100001` also a WhatsApp sender, and Birch with `+15550200001`.
    static func whatsAppSenders(_ api: F) throws {
        for (company, number) in [(F.acme, "+15550100001"), (F.birch, "+15550200001")] {
            try VoicemailNotificationTests.configure(api, company) { config in
                var numbers = config["phoneNumbers"] as? [[String: Any]] ?? []
                numbers.append(["phoneNumber": number, "channel": "whatsapp", "status": "active"])
                config["phoneNumbers"] = numbers
            }
        }
    }

    @Test(
        "a WhatsApp message reaches the company owning the sender, signed by its account; an unknown sender gets an empty answer",
        arguments: ["sqlite", "mongodb"])
    func whatsAppInbound(backend: String) throws {
        let api = try OutboundTests.fixture(backend)
        try Self.whatsAppSenders(api)
        let wa = "whatsapp:" + Self.customer
        let answers = try StatusCallbackTests.post(
            [
                try Self.inbound(
                    to: "whatsapp:+15550100001", from: wa, body: "Are you open Saturday?", company: F.acme),
                // Birch's account signing a message to Acme's sender.
                try Self.inbound(
                    to: "whatsapp:+15550100001", from: wa, body: "hi", company: F.birch, signedBy: F.birch),
                // Acme's ordinary second number is no WhatsApp sender; nor is a stranger's.
                try Self.inbound(to: "whatsapp:+15550100002", from: wa, body: "hi", company: F.acme),
                try Self.inbound(to: "whatsapp:+15559990000", from: wa, body: "hi", company: F.acme),
            ], api)
        let reply = try TwiMLReader.read(answers[0].0.body)
        #expect(reply.map(\.name) == ["Response", "Message"], "\(answers[0].0.body) \(answers[0].1.suffix(300))")
        #expect(reply[1].text.hasPrefix("Thanks for texting Acme Dental Group!"))
        #expect(answers[1].0.statusCode == 403 && !answers[1].0.body.contains("Acme"))
        for (response, _) in answers[2...] {
            let names = try TwiMLReader.read(response.body).map(\.name)
            #expect(response.statusCode == 200 && names == ["Response"])
        }
        let records = try SMSEndToEndTests.archive(F.acme, api.environment, kind: "message")
        #expect(
            records.count == 1 && records[0]["channel"] as? String == "whatsapp"
                && records[0]["to"] as? String == "whatsapp:+15550100001")
        #expect(try SMSEndToEndTests.archive(F.birch, api.environment, kind: "message").isEmpty)
    }

    @Test(
        "WhatsApp out: free text inside the 24-hour window, a 422 just outside it, templates always, Twilio's 63016 the same answer",
        arguments: ["sqlite", "mongodb"])
    func whatsAppOutbound(backend: String) throws {
        let api = try OutboundTests.fixture(backend)
        try Self.whatsAppSenders(api)
        let admin = try api.adminToken()
        let account = try F.credentials(of: F.acme).sid
        let inside = "+15557650001"
        let outside = "+15557650002"
        let store = try Stores.open(Environment(api.environment), appName: "switchboard-tests")
        let acme = try CompanyID(F.acme)
        let now = Date()
        try store.recipientLedger().recordWhatsAppInbound(
            companyID: acme, number: try PhoneNumber(parsing: inside),
            at: now.addingTimeInterval(-WhatsAppWindow.seconds + 120))
        try store.recipientLedger().recordWhatsAppInbound(
            companyID: acme, number: try PhoneNumber(parsing: outside),
            at: now.addingTimeInterval(-WhatsAppWindow.seconds - 120))
        try api.twilio.openWhatsApp(inside, account: account)

        let free = try OutboundTests.post(
            api, F.acme, "messages", ["to": inside, "channel": "whatsapp", "body": "See you at 3"], token: admin)
        #expect(free.response.statusCode == 201, "\(free.response.body)")
        let sent = try #require(try api.twilio.messages().last)
        #expect(sent["to"] as? String == "whatsapp:" + inside && sent["from"] as? String == "whatsapp:+15550100001")
        #expect((try F.json(free.response)["record"] as? [String: Any])?["channel"] as? String == "whatsapp")

        let before = try Self.messagesSent(api)
        let late = try OutboundTests.post(
            api, F.acme, "messages", ["to": outside, "channel": "whatsapp", "body": "See you at 3"], token: admin)
        #expect(late.response.statusCode == 422 && late.response.body.contains("24 hours"), "\(late.response.body)")
        let never = try OutboundTests.post(
            api, F.acme, "messages", ["to": "+15557650003", "channel": "whatsapp", "body": "Hello"], token: admin)
        #expect(never.response.statusCode == 422 && never.response.body.contains("has not written"))
        #expect(try Self.messagesSent(api) == before, "nothing reached Twilio")

        let templated = try OutboundTests.post(
            api, F.acme, "messages",
            [
                "to": outside, "channel": "whatsapp", "contentSid": Self.template,
                "contentVariables": ["1": "Friday", "2": "3 pm"],
            ],
            token: admin)
        #expect(templated.response.statusCode == 201, "\(templated.response.body)")
        let message = try #require(try api.twilio.messages().last)
        #expect(message["content_sid"] as? String == Self.template)
        let variables =
            try JSONSerialization.jsonObject(with: Data((message["content_variables"] as? String ?? "").utf8))
            as? [String: String]
        #expect(variables == ["1": "Friday", "2": "3 pm"])

        // Inside the window by Switchboard's archive, outside at Twilio: 63016, the same answer.
        let stale = "+15557650004"
        try store.recipientLedger().recordWhatsAppInbound(
            companyID: acme, number: try PhoneNumber(parsing: stale), at: now.addingTimeInterval(-60))
        let mapped = try OutboundTests.post(
            api, F.acme, "messages", ["to": stale, "channel": "whatsapp", "body": "Hello"], token: admin)
        #expect(
            mapped.response.statusCode == 422 && mapped.response.body.contains("whatsapp-window-closed"),
            "\(mapped.response.body)")

        // Bad template requests name their field, before Twilio is asked.
        let count = try Self.messagesSent(api)
        for (body, field) in [
            (["to": outside, "channel": "whatsapp", "contentSid": "HX12"], "contentSid"),
            (["to": outside, "contentSid": Self.template], "contentSid"),
            (["to": outside, "channel": "whatsapp", "contentSid": Self.template, "body": "x"], "body"),
            (
                ["to": outside, "channel": "whatsapp", "contentSid": Self.template, "contentVariables": ["1": 5]],
                "contentVariables.1"
            ),
            (["to": outside, "channel": "telegram", "body": "x"], "channel"),
            (["to": outside, "channel": "whatsapp", "body": "x", "from": "+15550100002"], "from"),
        ] as [([String: Any], String)] {
            let (response, _) = try OutboundTests.post(api, F.acme, "messages", body, token: admin)
            #expect(response.statusCode == 422, "\(body): \(response.body)")
            #expect(try OutboundTests.problem(response).fields[field] != nil, "\(body): \(response.body)")
        }
        #expect(try Self.messagesSent(api) == count)
        try api.checkAgainstOpenAPI()
    }
}
