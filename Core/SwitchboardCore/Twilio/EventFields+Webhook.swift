import SwitchboardRuntime

extension EventFields {
    /// What a Twilio webhook handler reads of each event: the method, path, query, body
    /// and host, and the `Content-Type` and `X-Twilio-Signature` headers — what
    /// ``WebhookGate/decode(host:path:rawQuery:contentType:body:signature:)`` is given.
    /// The rest of each event is checked, not built.
    public static let twilioWebhook = EventFields.only(headers: ["content-type", "host", "x-twilio-signature", "x-twilio-webhooks-signature-settings"])
}
