import Foundation
import HTTPDriver

/// AWS Secrets Manager played by moto's server mode (PyPI `moto[server]`, a third-party
/// implementation of the API) on a free port, for one test.
public final class SecretsManagerServer: @unchecked Sendable {
    public let port: Int
    private let child: SupervisedProcess

    /// `http://127.0.0.1:<port>`, what `SWITCHBOARD_SECRETS_ENDPOINT` should hold.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts moto. With `enforcingIAMAfter`, moto checks credentials against its IAM
    /// after that many calls (so a test can set up, then be refused).
    public init(enforcingIAMAfter calls: Int? = nil) throws {
        port = try RedisServer.freePort()
        let motoServer = URL(fileURLWithPath: try TestPaths.python()).deletingLastPathComponent()
            .appendingPathComponent("moto_server").path
        var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        if let calls { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "\(calls)" }
        child = try SupervisedProcess(motoServer, ["-H", "127.0.0.1", "-p", "\(port)"], environment: environment)
        let client = try CurlHTTPClient()
        for _ in 0..<300 {
            if (try? client.send("GET", endpoint + "/moto-api/", timeoutMilliseconds: 300)) != nil { return }
            usleep(50_000)
        }
        throw TestSetupError("moto_server did not start on \(port): \(child.stop())")
    }

    deinit { child.stop() }

    /// Runs boto3 against the server (as the `testing` account) with `code`, which sees
    /// `secrets` and `iam` clients; returns what it printed.
    @discardableResult
    public func boto(_ code: String) throws -> String {
        let prelude = """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')
            secrets = boto3.client('secretsmanager', **kw)
            iam = boto3.client('iam', **kw)

            """
        let result = try ProcessRunner.run(
            try TestPaths.python(), ["-c", prelude + code, endpoint],
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        guard result.status == 0 else { throw TestSetupError("boto3 failed: \(result.stderrText)") }
        return result.stdoutText
    }

    /// Creates secret `name` holding `text`.
    public func createSecret(_ name: String, _ text: String) throws {
        // JSON array literals are Python list literals (slashes left unescaped).
        func literal(_ value: String) throws -> String {
            String(
                decoding: try JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes]),
                as: UTF8.self) + "[0]"
        }
        try boto("secrets.create_secret(Name=\(try literal(name)), SecretString=\(try literal(text)))")
    }

    /// An IAM user with no permissions, and its access key: (id, secret).
    public func userWithoutPermissions() throws -> (String, String) {
        let output = try boto(
            "iam.create_user(UserName='nobody')\nk = iam.create_access_key(UserName='nobody')['AccessKey']\nprint(k['AccessKeyId'], k['SecretAccessKey'])"
        )
        let parts = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 2 else { throw TestSetupError("no access key: \(output)") }
        return (parts[0], parts[1])
    }
}
