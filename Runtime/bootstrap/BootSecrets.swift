import HTTPDriver
import SwitchboardJSON
import SwitchboardRuntime

/// The settings `bootstrap` fetches from AWS Secrets Manager at start, so that secrets are
/// never in the Lambda function's configuration (where anyone allowed
/// `lambda:GetFunctionConfiguration` reads them): one `GetSecretValue` call, signed with
/// libcurl's own SigV4 using the sandbox's credentials, handed to the function process in
/// its environment — process memory only — and never logged.
///
/// | variable | meaning |
/// |---|---|
/// | `SWITCHBOARD_SECRET_ID` | the secret's name or ARN; unset: settings come from the environment as they are |
/// | `AWS_REGION` | the region (set by Lambda) |
/// | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | the sandbox's credentials (set by Lambda) |
/// | `SWITCHBOARD_SECRETS_ENDPOINT` | another endpoint than `https://secretsmanager.<region>.amazonaws.com` (tests) |
enum BootSecrets {
    /// The settings a secret may carry; any other key in it is ignored.
    static let knownNames: Set<String> = [
        "SWITCHBOARD_DATA_KEY", "SWITCHBOARD_DATA_KEY_PREVIOUS", "SWITCHBOARD_ADMIN_SECRET",
        "SWITCHBOARD_ADMIN_SECRET_PREVIOUS",
        "SWITCHBOARD_STORE", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SWITCHBOARD_SMTP_USER",
        "SWITCHBOARD_SMTP_PASSWORD",
    ]

    /// What every function needs from the secret, and what the admin functions need too.
    static func requiredNames(for function: String) -> [String] {
        ["ConfigGet", "ConfigPut", "Health"].contains(function)
            ? ["SWITCHBOARD_DATA_KEY", "SWITCHBOARD_STORE", "SWITCHBOARD_ADMIN_SECRET"]
            : ["SWITCHBOARD_DATA_KEY", "SWITCHBOARD_STORE"]
    }

    /// Why the secret could not be had. Names the secret and AWS's error code, never a value.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Fetches secret `id` and returns the settings it holds.
    ///
    /// - Throws: ``Failure`` naming the secret id and AWS's error code (`AccessDeniedException`,
    ///   `ResourceNotFoundException`, a timeout), or the required key the secret lacks.
    static func fetch(
        _ id: String, for function: String, environment: [String: String], timeoutMilliseconds: Int = 5_000
    ) throws(Failure) -> [String: String] {
        guard let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty else {
            throw Failure(description: "cannot fetch secret \(id): AWS_REGION is not set")
        }
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], let secretKey = environment["AWS_SECRET_ACCESS_KEY"],
            !keyID.isEmpty, !secretKey.isEmpty
        else {
            throw Failure(
                description: "cannot fetch secret \(id): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        }
        let endpoint =
            environment["SWITCHBOARD_SECRETS_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "https://secretsmanager.\(region).amazonaws.com"
        var headers = ["X-Amz-Target": "secretsmanager.GetSecretValue", "Content-Type": "application/x-amz-json-1.1"]
        if let token = environment["AWS_SESSION_TOKEN"], !token.isEmpty { headers["X-Amz-Security-Token"] = token }
        var body = "{\"SecretId\":"
        JSONText.appendString(id, to: &body)
        body += "}"

        let response: HTTPClientResponse
        do {
            let client = try CurlHTTPClient()
            response = try client.send(
                "POST", endpoint.hasSuffix("/") ? endpoint : endpoint + "/", headers: headers, body: Array(body.utf8),
                timeoutMilliseconds: timeoutMilliseconds, connectTimeoutMilliseconds: min(2_000, timeoutMilliseconds),
                signing: AWSSigningCredentials(
                    region: region, service: "secretsmanager", accessKeyID: keyID, secretAccessKey: secretKey))
        } catch {
            let why =
                error.isTimeout
                ? "a timeout (no answer within \(timeoutMilliseconds) ms)" : "no answer (\(error.message))"
            throw Failure(description: "cannot fetch secret \(id) from \(endpoint): \(why)")
        }
        guard response.status == 200 else {
            throw Failure(
                description:
                    "cannot fetch secret \(id): Secrets Manager answered HTTP \(response.status), \(errorCode(response.body))"
            )
        }
        guard let reply = try? JSONValue(parsing: response.body), case .string(let text)? = reply["SecretString"] else {
            throw Failure(
                description:
                    "secret \(id) has no SecretString (a binary secret?); it must hold a JSON object of settings")
        }
        guard case .object(let members)? = try? JSONValue(parsing: Array(text.utf8)) else {
            throw Failure(
                description: "secret \(id) is not a JSON object of settings (e.g. {\"SWITCHBOARD_DATA_KEY\": \"…\"})")
        }
        var settings: [String: String] = [:]
        for (name, value) in members where knownNames.contains(name) {
            guard case .string(let text) = value else {
                throw Failure(description: "secret \(id): \(name) must be a string")
            }
            settings[name] = text
        }
        for name in requiredNames(for: function) where (settings[name] ?? environment[name] ?? "").isEmpty {
            throw Failure(description: "secret \(id) has no \(name), which \(function) needs")
        }
        return settings
    }

    /// AWS's error code: the JSON protocol's `__type` (its last part), or an XML `<Code>`.
    static func errorCode(_ body: [UInt8]) -> String {
        if let json = try? JSONValue(parsing: body), case .string(let type)? = json["__type"] {
            return String(type.split(separator: "#").last ?? Substring(type))
        }
        let text = String(decoding: body.prefix(4_096), as: UTF8.self)
        if let start = text.firstRange(of: "<Code>"), let end = text[start.upperBound...].firstRange(of: "</Code>") {
            return String(text[start.upperBound..<end.lowerBound].prefix(80))
        }
        return "no error code"
    }
}
