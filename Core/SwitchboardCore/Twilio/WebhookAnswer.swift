import SwitchboardBase

/// What a Twilio webhook route answers, as every function answers: an ``HTTPResponse``.
///
/// Every answer a webhook can get is made here, so each route's refusals, status
/// callbacks and TwiML carry their own HTTP status: no handler compares errors to pick one.
extension HTTPResponse {
    /// A 200 TwiML document.
    public static func twiml(_ document: String) -> HTTPResponse {
        HTTPResponse(statusCode: 200, headers: ["content-type": TwiML.contentType], body: document)
    }

    /// An empty 204: what a status callback gets once it is recorded (Twilio reads no body).
    public static let noContent = HTTPResponse(statusCode: 204)

    /// A 405: Twilio's webhooks are posted.
    public static let postOnly = HTTPResponse.methodNotAllowed(allow: "POST")
}
