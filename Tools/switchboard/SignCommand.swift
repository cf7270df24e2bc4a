import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard sign --event <file> --token <token>`: signs an event as Twilio would.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Write the X-Twilio-Signature Twilio would send into an event file.",
        discussion: """
            The signed URL is rebuilt exactly as the functions rebuild it: https:// (http:// \
            when the event's X-Forwarded-Proto header says http) + the event's host + rawPath \
            + ?rawQueryString, or SWITCHBOARD_PUBLIC_URL + rawPath + query when that is set. The token may also come from TWILIO_AUTH_TOKEN, which \
            keeps it out of the process list, or, with --company, from the store: the \
            company's own auth token, opened with SWITCHBOARD_DATA_KEY. With --shared-key, --token is that SharedKey's \
            secret, and the event gets the X-Twilio-Webhooks-Signature-Settings header Twilio \
            sends with such signatures.

            With --curl ADDRESS the file is left as it is: a curl command is printed that \
            posts the event's body to ADDRESS + its path, signed for the URL a function \
            behind that address rebuilds (ADDRESS's scheme and host — switchboard serve tells \
            its functions it speaks http, a tunnel that it speaks https — or SWITCHBOARD_PUBLIC_URL):

              switchboard sign --event Examples/events/voice-forward.json --curl http://127.0.0.1:8080 | sh
            """
    )

    @Option(help: "The event file to sign (rewritten in place unless --output is given).")
    var event: String

    @Option(help: "The company's Twilio auth token (default: $TWILIO_AUTH_TOKEN).")
    var token: String?

    @Option(help: "Sign with this company's auth token, read from the store (SWITCHBOARD_STORE, SWITCHBOARD_DATA_KEY).")
    var company: String?

    @Option(help: "Write the signed event here instead of over the input.")
    var output: String?

    @Option(help: "Sign as a SharedKey with this id would (the token is then the key's secret).")
    var sharedKey: String?

    @Option(help: "With --shared-key: HMAC_SHA256 (the default) or HMAC_SHA1.")
    var algorithm = "HMAC_SHA256"

    @Option(
        help:
            "Print a signed curl command posting the event to this address (e.g. http://127.0.0.1:8080, switchboard serve) instead of rewriting the file."
    )
    var curl: String?

    func validate() throws {
        if company != nil && token != nil {
            throw ValidationError(
                "--token and --company each name the token to sign with: give one (--company reads the company's own from the store)"
            )
        }
    }

    func run() throws {
        guard
            let token = try company.map(Self.storedToken(ofCompany:)) ?? token
                ?? ProcessInfo.processInfo.environment["TWILIO_AUTH_TOKEN"],
            !token.isEmpty
        else {
            throw CommandFailure("no token: pass --token or --company, or set TWILIO_AUTH_TOKEN")
        }
        guard let data = FileManager.default.contents(atPath: event) else {
            throw CommandFailure("cannot read event file \(event)")
        }
        guard var document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CommandFailure("\(event) is not a JSON object")
        }
        let decoded: HTTPEvent
        do { decoded = try JSONDecoder().decode(HTTPEvent.self, from: data) } catch {
            throw CommandFailure("\(event) is not a payload 2.0 event")
        }
        var host = decoded.host
        var forwardedProto = decoded.header("x-forwarded-proto")
        var address: String?
        if let curl {
            guard let url = URL(string: curl), let scheme = url.scheme, ["http", "https"].contains(scheme),
                let name = url.host, url.path.isEmpty || url.path == "/"
            else {
                throw CommandFailure(
                    "--curl must be an address such as http://127.0.0.1:8080 (a scheme and a host, no path)")
            }
            host = url.port.map { "\(name):\($0)" } ?? name
            forwardedProto = scheme
            address = "\(scheme)://\(host ?? name)"
        }
        let webhook = try InboundWebhook(
            host: host, path: decoded.rawPath, rawQuery: decoded.rawQueryString,
            contentType: decoded.header("content-type"), body: try decoded.bodyBytes(), signature: nil,
            publicBase: try Settings.publicURL(Environment()), forwardedProto: forwardedProto)
        let key: WebhookSigningKey
        if let sharedKey {
            guard WebhookSharedKey.isValidSid(sharedKey) else {
                throw CommandFailure("--shared-key must be a SharedKey id (letters, digits and _)")
            }
            guard let chosen = WebhookSignatureAlgorithm(rawValue: algorithm) else {
                throw CommandFailure("--algorithm must be HMAC_SHA256 or HMAC_SHA1")
            }
            key = WebhookSigningKey(secret: token, algorithm: chosen)
        } else {
            key = WebhookSigningKey(TwilioAuthToken(token))
        }
        let signature = TwilioSignature.compute(url: webhook.url, content: webhook.content, key: key)
        if let address {
            print(
                Self.curlCommand(
                    url: address + decoded.rawPath
                        + (decoded.rawQueryString.isEmpty ? "" : "?" + decoded.rawQueryString),
                    contentType: decoded.header("content-type"), signature: signature,
                    settings: sharedKey.map { "key=\($0),algorithm=\(algorithm)" }, body: try decoded.bodyBytes()))
            return
        }

        var headers = document["headers"] as? [String: Any] ?? [:]
        for name in headers.keys
        where ["x-twilio-signature", "x-twilio-webhooks-signature-settings"].contains(name.lowercased()) {
            headers.removeValue(forKey: name)
        }
        headers["x-twilio-signature"] = signature
        if let sharedKey { headers["x-twilio-webhooks-signature-settings"] = "key=\(sharedKey),algorithm=\(algorithm)" }
        document["headers"] = headers
        let signed = try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let destination = output ?? event
        guard FileManager.default.createFile(atPath: destination, contents: signed + Data("\n".utf8)) else {
            throw CommandFailure("cannot write \(destination)")
        }
        print("signed \(webhook.url) -> \(destination)")
    }

    /// A curl command posting `body` to `url` with the webhook's headers, each word quoted
    /// for a POSIX shell.
    static func curlCommand(url: String, contentType: String?, signature: String, settings: String?, body: [UInt8])
        -> String
    {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var words = ["curl", "--fail-with-body", "-sS", "-i", "-X", "POST", quoted(url)]
        if let contentType { words += ["-H", quoted("content-type: \(contentType)")] }
        words += ["-H", quoted("x-twilio-signature: \(signature)")]
        if let settings { words += ["-H", quoted("x-twilio-webhooks-signature-settings: \(settings)")] }
        words += ["--data-binary", quoted(String(decoding: body, as: UTF8.self))]
        return words.joined(separator: " ")
    }

    /// The auth token of the company `text` names, opened from the store.
    static func storedToken(ofCompany text: String) throws -> String {
        let id: CompanyID
        do { id = try CompanyID(text) } catch { throw CommandFailure("--company: \(error)") }
        let environment = Environment()
        let directory = try Stores.open(environment, appName: "switchboard-sign").directory
        guard let company = try directory.company(id: id) else { throw CommandFailure("no company has id \(id)") }
        guard let sealed = company.twilio.authToken else { throw CommandFailure("company \(id) has no auth token") }
        do {
            return try Settings.sealer(environment).open(sealed, companyID: id.rawValue, field: .authToken)
        } catch let error as SealingError {
            throw CommandFailure("company \(id)'s auth token cannot be opened: \(error)")
        }
    }
}
