import SwitchboardRuntime

extension EventFields {
    /// What a Twilio webhook function reads of each event: the method, path, query, body
    /// and host, and the `Content-Type`, `X-Twilio-Signature` and
    /// `X-Twilio-Webhooks-Signature-Settings` headers — what
    /// ``TwilioWebhookFunction/receive(_:logger:)`` hands the gate. The rest of each event
    /// is checked, not built.
    public static let twilioWebhook = EventFields.only(headers: [
        "content-type", "host", "x-forwarded-proto", "x-twilio-signature", "x-twilio-webhooks-signature-settings",
    ])
}
