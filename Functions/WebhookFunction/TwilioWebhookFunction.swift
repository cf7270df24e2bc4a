import Logging
import SwitchboardBase
import SwitchboardCore
import SwitchboardRuntime

/// A function that answers Twilio's webhooks on one route (Voice, SMS, and any later one).
///
/// The front half every such route shares is written once, here:
/// 1. Only `POST` is answered (405 otherwise).
/// 2. The event's form body is decoded (base64 when AWS flags it) and the URL Twilio
///    signed is rebuilt; a request that is not a webhook is a 400 (413 when too large).
/// 3. A status callback (a path ending in `/status`) is admitted by the company its URL
///    names and recorded (``StatusCallback``).
/// 4. Anything else is the route's own: ``answer(_:logger:)``, which admits the webhook
///    through ``WebhookServices/gate`` and answers a refusal with
///    ``WebhookRoute/refusal(_:callback:signedWith:logger:)``.
public protocol TwilioWebhookFunction: FunctionHandler {
    /// The route's name, TwiML for refusals, and kind of status callback.
    static var route: WebhookRoute { get }
    /// The process's gate, cache, archive and their settings.
    var services: WebhookServices { get }
    /// Answers a decoded webhook that is not a status callback.
    func answer(_ webhook: InboundWebhook, logger: Logger) -> HTTPResponse
}

extension TwilioWebhookFunction {
    /// Each event is read for what a Twilio webhook needs; the rest is checked, not built.
    public static var eventFields: EventFields { .twilioWebhook }

    public func willExit() {
        services.willExit()
    }

    public func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        receive(event, logger: context.logger)
    }

    /// Steps 1–4 above, for one event.
    public func receive(_ event: HTTPEvent, logger: Logger) -> HTTPResponse {
        guard event.method == "POST" else { return .postOnly }
        let webhook: InboundWebhook
        do {
            webhook = try services.gate.decode(
                host: event.host, path: event.rawPath, rawQuery: event.rawQueryString,
                contentType: event.header("content-type"), body: try event.bodyBytes(),
                signature: event.header("x-twilio-signature"),
                signatureSettings: event.header("x-twilio-webhooks-signature-settings"),
                forwardedProto: event.header("x-forwarded-proto"))
        } catch {
            return Self.route.badRequest(error, logger: logger)
        }
        if StatusCallback.isStatusCallback(path: event.rawPath) {
            return StatusCallback.answer(webhook, route: Self.route, services: services, logger: logger)
        }
        return answer(webhook, logger: logger)
    }
}
