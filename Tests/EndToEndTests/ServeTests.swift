import Foundation
import HTTPDriver
import SwitchboardRuntime
import TestSupport
import Testing

/// `switchboard serve`: the five routes over warm function processes.
@Suite("switchboard serve")
struct ServeTests {
    static let publicBase = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"

    /// Posts an example event's body and signature to `server`, as Twilio would.
    static func post(_ name: String, to server: LocalServer, client: CurlHTTPClient) throws -> HTTPClientResponse {
        let event = try JSONDecoder().decode(HTTPEvent.self, from: try ExampleData.event(name))
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let signature = event.header("x-twilio-signature") { headers["X-Twilio-Signature"] = signature }
        let query = event.rawQueryString.isEmpty ? "" : "?" + event.rawQueryString
        return try client.send(
            "POST", "http://127.0.0.1:\(server.port)\(event.rawPath)\(query)", headers: headers,
            body: try event.bodyBytes(), timeoutMilliseconds: 20_000)
    }

    @Test("signed webhooks get their TwiML through serve, concurrently")
    func voiceThroughServe() throws {
        let store = try SeededStore(extraEnvironment: ["SWITCHBOARD_PUBLIC_URL": Self.publicBase])
        let server = try LocalServer(["serve", "--processes", "2"], environment: store.environment)
        defer { server.stop() }
        let names = ["voice-ai-agent", "voice-voicemail", "voice-forward", "voice-whisper", "voice-legacy-number"]
        let failures = FailureBox()
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            do {
                let client = try CurlHTTPClient()
                let response = try Self.post(names[index % names.count], to: server, client: client)
                let text = String(decoding: response.body, as: UTF8.self)
                if response.status != 200 || response.headers["content-type"] != "text/xml" || !text.hasPrefix("<?xml")
                {
                    failures.add("\(names[index % names.count]): \(response.status) \(text.prefix(200))")
                }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        let forged = try Self.post("voice-forged-signature", to: server, client: try CurlHTTPClient())
        #expect(forged.status == 403)
        let message = try Self.post("sms-auto-reply", to: server, client: try CurlHTTPClient())
        #expect(message.status == 200)
        #expect(
            String(decoding: message.body, as: UTF8.self).contains("<Message>Thanks for texting Acme Dental Group!"))
    }

    @Test(
        "plain-HTTP serve: TwiML names http:// callbacks; behind a tunnel (X-Forwarded-Proto: https), https:// ones; each signed by twilio-python for its URL"
    )
    func callbackScheme() throws {
        let store = try SeededStore()
        let server = try LocalServer(["serve"], environment: store.environment)
        defer { server.stop() }
        let event = try JSONDecoder().decode(HTTPEvent.self, from: try ExampleData.event("voice-voicemail"))
        let body = try event.bodyBytes()
        let params = (URLComponents(string: "?" + String(decoding: body, as: UTF8.self))?.queryItems ?? []).map {
            ($0.name, $0.value ?? "")
        }
        let token = try #require(ExampleData.authToken(ofCompanyNamed: "Birch & Partners Law"))
        let local = "http://127.0.0.1:\(server.port)/api/twilio/voice"
        let tunnel = "https://calls.example.com/api/twilio/voice"
        let signatures = try StatusCallbackTests.signatures([(token, local, params), (token, tunnel, params)])
        let client = try CurlHTTPClient()
        let form = ["Content-Type": "application/x-www-form-urlencoded"]

        let plain = try client.send(
            "POST", local, headers: form.merging(["X-Twilio-Signature": signatures[0]]) { $1 }, body: body)
        let plainText = String(decoding: plain.body, as: UTF8.self)
        #expect(plain.status == 200, "\(plainText)")
        #expect(plainText.contains("<Record action=\"\(local)?recorded=1"), "\(plainText)")
        #expect(!plainText.contains("https://127.0.0.1"), "\(plainText)")

        let tunnelled = try client.send(
            "POST", local,
            headers: form.merging([
                "X-Twilio-Signature": signatures[1], "Host": "calls.example.com", "X-Forwarded-Proto": "https",
            ]) { $1 }, body: body)
        let tunnelledText = String(decoding: tunnelled.body, as: UTF8.self)
        #expect(tunnelled.status == 200, "\(tunnelledText)")
        #expect(tunnelledText.contains("<Record action=\"\(tunnel)?recorded=1"), "\(tunnelledText)")

        // The scheme is part of what Twilio signed: the tunnel's signature, arriving
        // without the tunnel's header (so for http://calls.example.com), is refused.
        let stripped = try client.send(
            "POST", local,
            headers: form.merging(["X-Twilio-Signature": signatures[1], "Host": "calls.example.com"]) { $1 }, body: body
        )
        #expect(stripped.status == 403)
    }

    @Test("without the functions' settings (a second terminal), serve refuses to start and names the variable")
    func missingSettings() throws {
        let store = try SeededStore()
        var environment = store.environment
        environment.removeValue(forKey: "SWITCHBOARD_DATA_KEY")
        let refused = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["serve", "--port", "\(try RedisServer.freePort())"],
            environment: environment)
        #expect(refused.status != 0)
        #expect(
            refused.stderrText.contains("SWITCHBOARD_DATA_KEY") && refused.stderrText.contains("second terminal"),
            "\(refused.stderrText)")
    }

    @Test("a port already in use: serve names the port and what to do, with no system call in the message")
    func portInUse() throws {
        let store = try SeededStore()
        let first = try LocalServer(["serve"], environment: store.environment)
        defer { first.stop() }
        let second = try ProcessRunner.run(
            ExampleData.executable("switchboard"), ["serve", "--port", "\(first.port)"], environment: store.environment)
        #expect(second.status != 0)
        #expect(
            second.stderrText.contains("port \(first.port) on 127.0.0.1 is already in use")
                && second.stderrText.contains("--port"), "\(second.stderrText)")
        #expect(!second.stderrText.contains("bind(descriptor"), "\(second.stderrText)")
    }

    @Test("the docs' Twilio stand-in on a port in use: names the port and what to do, no traceback")
    func standInPortInUse() throws {
        let first = try TwilioStandIn()
        let second = try ProcessRunner.run(
            try TestPaths.python(),
            [
                TestPaths.packageRoot.appendingPathComponent("Tests/Support/twilio_standin.py").path, "\(first.port)",
                "--companies", TestPaths.packageRoot.appendingPathComponent("Examples/companies.json").path,
            ],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(second.status == 1)
        #expect(
            second.stderrText.contains("port \(first.port) on 127.0.0.1 is already in use")
                && second.stderrText.contains("give another port"), "\(second.stderrText)")
        #expect(!second.stderrText.contains("Traceback"), "\(second.stderrText)")
    }

    @Test("unknown route 404, wrong method 405, oversized body 413, unbuilt function 501")
    func errors() throws {
        let store = try SeededStore()
        let server = try LocalServer(["serve", "--max-body", "1000"], environment: store.environment)
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let base = "http://127.0.0.1:\(server.port)"
        #expect(try client.send("GET", base + "/nope").status == 404)
        let wrong = try client.send("GET", base + "/api/twilio/voice")
        #expect(wrong.status == 405)
        #expect(wrong.headers["allow"] == "POST")
        #expect(
            try client.send("POST", base + "/api/twilio/voice", body: Array(repeating: 0x61, count: 5_000)).status
                == 413)
        // Health is built, but cannot start without an admin secret: 502, naming it.
        let unstartable = try client.send("GET", base + "/api/admin/notifications/dependency-health")
        #expect(unstartable.status == 502)
        #expect(String(decoding: unstartable.body, as: UTF8.self).contains("SWITCHBOARD_ADMIN_SECRET is not set"))
        let put = try client.send("DELETE", base + "/api/companies/x/twilio/config")
        #expect(put.status == 405)
        #expect(put.headers["allow"] == "GET, PUT, PATCH")
    }
}

extension ServeTests {
    @Test("a route whose function is not built: 501 naming it")
    func unbuiltFunction() throws {
        let store = try SeededStore()
        // A switchboard beside Voice only: serve finds its functions beside itself.
        let folder = try TestPaths.temporaryFolder()
        for name in ["switchboard", "Voice"] {
            try FileManager.default.linkItem(
                atPath: ExampleData.executable(name), toPath: folder.appendingPathComponent(name).path)
        }
        let port = try RedisServer.freePort()
        let child = try SupervisedProcess(
            folder.appendingPathComponent("switchboard").path, ["serve", "--port", "\(port)"],
            environment: store.environment)
        defer { child.stop() }
        let client = try CurlHTTPClient()
        var answer: HTTPClientResponse?
        for _ in 0..<200 {
            answer = try? client.send(
                "POST", "http://127.0.0.1:\(port)/api/twilio/sms", body: Array("To=x".utf8), timeoutMilliseconds: 500)
            if answer != nil { break }
            usleep(50_000)
        }
        let response = try #require(answer)
        #expect(response.status == 501)
        #expect(String(decoding: response.body, as: UTF8.self).contains("SMS is not built yet"))
    }

    @Test("the config API through serve: list, read, save, and a 401, over warm ConfigGet and ConfigPut processes")
    func configAPIThroughServe() throws {
        let api = try AdminAPIFixture()
        let server = try LocalServer(["serve", "--processes", "2"], environment: api.environment)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let token = try api.adminToken()
        let failures = FailureBox()
        DispatchQueue.concurrentPerform(iterations: 20) { index in
            do {
                let client = try CurlHTTPClient()
                let path = index % 2 == 0 ? "/api/companies" : "/api/companies/\(AdminAPIFixture.cedar)/twilio/config"
                let response = try client.send(
                    "GET", base + path, headers: ["Authorization": "Bearer " + token], timeoutMilliseconds: 20_000)
                if response.status != 200 || response.headers["content-type"] != "application/json" {
                    failures.add("\(path): \(response.status)")
                }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        let client = try CurlHTTPClient()
        let config = base + "/api/companies/\(AdminAPIFixture.acme)/twilio/config"
        let read = try client.send("GET", config, headers: ["Authorization": "Bearer " + token])
        let etag = try #require(read.headers["etag"])
        let saved = try client.send(
            "PUT", config + "?verify=false",
            headers: ["Authorization": "Bearer " + token, "Content-Type": "application/json", "If-Match": etag],
            body: Array(try ConfigAPITests.acmeBody { $0["recordingEnabled"] = true }.utf8), timeoutMilliseconds: 20_000
        )
        #expect(saved.status == 200, "\(String(decoding: saved.body, as: UTF8.self))")
        #expect(saved.headers["etag"] != etag)
        let stale = try client.send(
            "PUT", config + "?verify=false",
            headers: ["Authorization": "Bearer " + token, "Content-Type": "application/json", "If-Match": etag],
            body: Array(try ConfigAPITests.acmeBody().utf8), timeoutMilliseconds: 20_000)
        #expect(stale.status == 412)
        let anonymous = try client.send("GET", base + "/api/companies")
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["www-authenticate"] == "Bearer error=\"invalid_token\"")
        #expect(ExampleData.leakedSecrets(in: Data(read.body + saved.body)).isEmpty)
    }
}

/// Thread-safe list of failures from concurrent requests.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
