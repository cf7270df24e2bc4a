/// What a Twilio webhook route answers: a status, its headers and a body, which the
/// function sends back as they are.
///
/// Every answer a webhook can get is made here, so each route's refusals, status
/// callbacks and TwiML carry their own HTTP status: no handler compares errors to pick one.
public struct WebhookAnswer: Sendable, Equatable {
    public let status: Int
    public let headers: [String: String]
    public let body: String

    public init(status: Int, headers: [String: String] = [:], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A 200 TwiML document.
    public static func twiml(_ document: String) -> WebhookAnswer {
        WebhookAnswer(status: 200, headers: ["content-type": TwiML.contentType], body: document)
    }

    /// A plain-text answer, for the failures a person reads in Twilio's debugger.
    public static func text(_ status: Int, _ message: String, headers extra: [String: String] = [:]) -> WebhookAnswer {
        var headers = ["content-type": "text/plain; charset=utf-8"]
        headers.merge(extra) { _, new in new }
        return WebhookAnswer(status: status, headers: headers, body: message + "\n")
    }

    /// An empty 204: what a status callback gets once it is recorded (Twilio reads no body).
    public static let noContent = WebhookAnswer(status: 204)

    /// A 405: Twilio's webhooks are posted.
    public static let postOnly = WebhookAnswer.text(405, "method not allowed; use POST", headers: ["allow": "POST"])
}
