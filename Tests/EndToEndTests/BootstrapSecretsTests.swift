import Foundation
import SwitchboardBase
import SwitchboardRuntime
import TestSupport
import Testing

/// `bootstrap` fetching its settings from Secrets Manager (moto) at start, so that no
/// secret is in the Lambda environment.
@Suite("bootstrap and Secrets Manager")
struct BootstrapSecretsTests {
    typealias Setup = BootstrapTests.Setup

    /// The Lambda environment: AWS's variables and the secret's id, no Switchboard secret.
    static func lambdaEnvironment(
        _ server: SecretsManagerServer, secret: String, key: (String, String) = ("testing", "testing")
    ) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": key.0,
            "AWS_SECRET_ACCESS_KEY": key.1,
            "AWS_SESSION_TOKEN": "session-token-for-the-test", "SWITCHBOARD_SECRET_ID": secret,
            "SWITCHBOARD_SECRETS_ENDPOINT": server.endpoint, "LOG_LEVEL": "info",
        ]
    }

    @Test("bootstrap fetches the secret and Voice answers a signed call, with no secret in the Lambda environment")
    func fetched() throws {
        let store = try SeededStore()
        let server = try SecretsManagerServer()
        let settings: [String: String] = [
            "SWITCHBOARD_DATA_KEY": store.dataKey, "SWITCHBOARD_STORE": "sqlite:" + store.storePath,
            "SOMETHING_ELSE": "ignored-value-0123456789",
        ]
        try server.createSecret(
            "switchboard/test", String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self))
        var environment = Self.lambdaEnvironment(server, secret: "switchboard/test")
        environment["SWITCHBOARD_AGENT_STREAM_URL"] = "wss://agent.example.com/stream"
        #expect(environment["SWITCHBOARD_DATA_KEY"] == nil && environment["SWITCHBOARD_STORE"] == nil)
        let setup = try Setup(function: "Voice", extra: environment)
        let (errorType, body) = try setup.invoke(try ExampleData.event("voice-ai-agent"))
        #expect(errorType == nil, "\(String(decoding: body, as: UTF8.self))")
        let response = try JSONDecoder().decode(HTTPResponse.self, from: Data(body))
        #expect(response.statusCode == 200 && response.body.contains("<Stream"))
        let log = setup.finish()
        #expect(log.contains("bootstrap.secrets_fetched") && log.contains("SWITCHBOARD_DATA_KEY,SWITCHBOARD_STORE"))
        #expect(!log.contains(store.dataKey) && !log.contains("ignored-value"))
    }

    @Test(
        "refused at start, naming the secret and AWS's error, never a value",
        arguments: ["missing", "denied", "malformed", "no key", "unreachable"])
    func failures(kind: String) throws {
        let server = try SecretsManagerServer(enforcingIAMAfter: kind == "denied" ? 3 : nil)
        var environment = Self.lambdaEnvironment(
            server, secret: "switchboard/\(kind.replacingOccurrences(of: " ", with: "-"))")
        var expected: String
        switch kind {
        case "missing":
            expected = "ResourceNotFoundException"
        case "denied":
            try server.createSecret(
                "switchboard/denied",
                #"{"SWITCHBOARD_DATA_KEY": "c2VjcmV0LWRhdGEta2V5LXZhbHVlLTAxMjM0NTY3ODk=", "SWITCHBOARD_STORE": "sqlite:/tmp/x"}"#
            )
            let key = try server.userWithoutPermissions()
            environment["AWS_ACCESS_KEY_ID"] = key.0
            environment["AWS_SECRET_ACCESS_KEY"] = key.1
            expected = "HTTP 403"
        case "malformed":
            try server.createSecret("switchboard/malformed", "SWITCHBOARD_DATA_KEY=c2VjcmV0")
            expected = "is not a JSON object of settings"
        case "no key":
            try server.createSecret(
                "switchboard/no-key",
                #"{"SWITCHBOARD_STORE": "sqlite:/tmp/x", "REDIS_URL": "redis://secret-host:6379"}"#)
            expected = "has no SWITCHBOARD_DATA_KEY"
        default:
            environment["SWITCHBOARD_SECRETS_ENDPOINT"] = "http://127.0.0.1:\(try RedisServer.freePort())"
            expected = "cannot fetch secret switchboard/unreachable"
        }
        let setup = try Setup(function: "Voice", extra: environment)
        let (errorType, body) = try setup.invoke(try ExampleData.event("voice-ai-agent"))
        let text = String(decoding: body, as: UTF8.self)
        #expect(errorType == "Runtime.InitError", "\(text)")
        #expect(text.contains("Runtime.SecretsUnavailable"), "\(text)")
        #expect(text.contains("switchboard/\(kind.replacingOccurrences(of: " ", with: "-"))"), "\(text)")
        #expect(text.contains(expected), "\(text)")
        #expect(setup.bootstrap.waitForExit(seconds: 10) == 1)
        let log = setup.finish()
        for value in [
            "c2VjcmV0LWRhdGEta2V5LXZhbHVlLTAxMjM0NTY3ODk=", "secret-host", "c2VjcmV0", "session-token-for-the-test",
            environment["AWS_SECRET_ACCESS_KEY"] ?? "-",
        ] {
            #expect(!log.contains(value) && !text.contains(value), "\(value) was printed")
        }
    }
}
