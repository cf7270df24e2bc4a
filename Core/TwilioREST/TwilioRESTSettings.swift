import SwitchboardBase
import SwitchboardCore

/// Where Twilio's REST API is and how long a call to it may take.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `TWILIO_API_BASE` | the API's base URL (tests point it at a local stand-in) | `https://api.twilio.com` |
/// | `TWILIO_WEBHOOKS_API_BASE` | the Webhooks configuration API's base URL (SharedKeys, Settings, Rules) | `https://webhooks.twilio.com` |
/// | `SWITCHBOARD_TWILIO_CONNECT_TIMEOUT_MS` | connecting may take this long | 2000 |
/// | `SWITCHBOARD_TWILIO_TIMEOUT_MS` | one call, retries and their waits included, may take this long | 5000 |
/// | `SWITCHBOARD_TWILIO_RETRIES` | how often a call Twilio refused with 429 is tried again | 2 |
public struct TwilioRESTSettings: Sendable, Equatable {
    /// Twilio's own API.
    public static let twilioAPIBase = "https://api.twilio.com"
    /// Twilio's Webhooks configuration API (Public Beta).
    public static let twilioWebhooksAPIBase = "https://webhooks.twilio.com"

    /// The base URL, without a trailing slash.
    public var baseURL: String
    /// Twilio's Messaging API (messaging services).
    public static let twilioMessagingAPIBase = "https://messaging.twilio.com"

    /// The Webhooks configuration API's base URL, without a trailing slash.
    public var webhooksBaseURL = TwilioRESTSettings.twilioWebhooksAPIBase
    /// The Messaging API's base URL, without a trailing slash.
    public var messagingBaseURL = TwilioRESTSettings.twilioMessagingAPIBase
    public var connectTimeoutMilliseconds: Int
    public var timeoutMilliseconds: Int
    public var maximumRetries: Int

    public init(
        baseURL: String = TwilioRESTSettings.twilioAPIBase, connectTimeoutMilliseconds: Int = 2_000,
        timeoutMilliseconds: Int = 5_000, maximumRetries: Int = 2
    ) {
        self.baseURL = baseURL
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maximumRetries = maximumRetries
    }

    /// The settings the environment gives.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is wrong.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> TwilioRESTSettings {
        var settings = TwilioRESTSettings()
        if let base = environment["TWILIO_API_BASE"] {
            do {
                settings.baseURL = try PublicBaseURL(base).base
            } catch {
                throw ConfigurationError(variable: "TWILIO_API_BASE", problem: error.description)
            }
        }
        if let base = environment["TWILIO_WEBHOOKS_API_BASE"] {
            do {
                settings.webhooksBaseURL = try PublicBaseURL(base).base
            } catch {
                throw ConfigurationError(variable: "TWILIO_WEBHOOKS_API_BASE", problem: error.description)
            }
        }
        if let base = environment["TWILIO_MESSAGING_API_BASE"] {
            do {
                settings.messagingBaseURL = try PublicBaseURL(base).base
            } catch {
                throw ConfigurationError(variable: "TWILIO_MESSAGING_API_BASE", problem: error.description)
            }
        }
        settings.connectTimeoutMilliseconds = try environment.integer(
            "SWITCHBOARD_TWILIO_CONNECT_TIMEOUT_MS", default: 2_000, range: 1...60_000)
        settings.timeoutMilliseconds = try environment.integer(
            "SWITCHBOARD_TWILIO_TIMEOUT_MS", default: 5_000, range: 1...120_000)
        settings.maximumRetries = try environment.integer("SWITCHBOARD_TWILIO_RETRIES", default: 2, range: 0...10)
        return settings
    }
}
