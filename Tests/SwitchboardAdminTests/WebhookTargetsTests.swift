import SwitchboardAdmin
import SwitchboardBase
import SwitchboardCore
import Testing

/// This deployment's webhook URLs as the environment gives them, and the status
/// callback URL each company's numbers are pointed at.
@Suite("Webhook targets")
struct WebhookTargetsTests {
    @Test(
        "the status callback URL is Voice's status route beside the Voice URL, or under a Function URL, naming the company"
    )
    func statusURL() throws {
        let company = try CompanyID("65a1f0c2e4b0a1a2b3c4d5e1")
        for (voice, expected) in [
            (
                "https://calls.example.com/api/twilio/voice",
                "https://calls.example.com/api/twilio/voice/status?companyId=\(company)"
            ),
            (
                "https://abc123.lambda-url.us-east-1.on.aws/",
                "https://abc123.lambda-url.us-east-1.on.aws/api/twilio/voice/status?companyId=\(company)"
            ),
            (
                "https://calls.example.com/api/twilio/voice?x=1",
                "https://calls.example.com/api/twilio/voice/status?companyId=\(company)"
            ),
        ] {
            #expect(
                WebhookTargets(voiceURL: voice, smsURL: "https://x.example/sms").voiceStatusURL(companyID: company)
                    == expected, "\(voice)")
        }
    }

    @Test("fallback URLs: read with the primary ones, refused when malformed or without them")
    func fallbacks() throws {
        let targets = try WebhookTargets.fromEnvironment(
            Environment([
                "SWITCHBOARD_PUBLIC_URL": "https://calls.example.com",
                "SWITCHBOARD_VOICE_FALLBACK_URL": "https://api.example.com/api/twilio/voice",
            ]))
        #expect(
            targets?.voiceFallbackURL == "https://api.example.com/api/twilio/voice" && targets?.smsFallbackURL == nil)
        #expect(throws: ConfigurationError.self) {
            try WebhookTargets.fromEnvironment(
                Environment([
                    "SWITCHBOARD_PUBLIC_URL": "https://calls.example.com", "SWITCHBOARD_SMS_FALLBACK_URL": "not a url",
                ]))
        }
        do {
            _ = try WebhookTargets.fromEnvironment(
                Environment(["SWITCHBOARD_VOICE_FALLBACK_URL": "https://api.example.com/api/twilio/voice"]))
            Issue.record("a fallback URL without the primary ones was taken")
        } catch {
            #expect(error.variable == "SWITCHBOARD_VOICE_FALLBACK_URL")
        }
    }
}
