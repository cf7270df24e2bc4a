import SwitchboardCore

/// A message to send through `POST …/Messages.json`: to an address (`+1…`, or
/// `whatsapp:+1…`), from one of the account's numbers, through its messaging service, or
/// both; with a text and media, or a WhatsApp template.
public struct TwilioMessageRequest: Sendable, Equatable {
    /// `To`: the address, on its channel.
    public var to: String
    /// `From`: the sender's address, when one is named.
    public var from: String?
    /// `MessagingServiceSid` (`MG…`): the service picks the sender when `from` is absent.
    public var messagingServiceSid: String?
    public var body: String?
    public var mediaURLs: [String]
    /// `ContentSid` (`HX…`) and `ContentVariables` (a JSON object of texts).
    public var contentSid: String?
    public var contentVariables: String?
    /// Where Twilio posts how the message went.
    public var statusCallback: String?

    public init(
        to: String, from: String?, messagingServiceSid: String? = nil, body: String?, mediaURLs: [String] = [],
        contentSid: String? = nil, contentVariables: String? = nil, statusCallback: String? = nil
    ) {
        self.to = to
        self.from = from
        self.messagingServiceSid = messagingServiceSid
        self.body = body
        self.mediaURLs = mediaURLs
        self.contentSid = contentSid
        self.contentVariables = contentVariables
        self.statusCallback = statusCallback
    }

    /// The form Twilio takes.
    var form: [(String, String)] {
        var form: [(String, String)] = [("To", to)]
        if let from { form.append(("From", from)) }
        if let messagingServiceSid { form.append(("MessagingServiceSid", messagingServiceSid)) }
        if let contentSid {
            form.append(("ContentSid", contentSid))
            if let contentVariables { form.append(("ContentVariables", contentVariables)) }
        } else if let body {
            form.append(("Body", body))
        }
        form += mediaURLs.map { ("MediaUrl", $0) }
        if let statusCallback { form.append(("StatusCallback", statusCallback)) }
        return form
    }
}

/// A messaging service, as `GET https://messaging.twilio.com/v1/Services/{MG…}` answers it.
public struct TwilioMessagingService: Sendable, Equatable, Decodable {
    /// `MG…`
    public let sid: String
    public let accountSid: String?
    public let friendlyName: String?
    /// Whether the service is registered for US A2P 10DLC messaging (a campaign approved).
    public let usAppToPersonRegistered: Bool?

    enum CodingKeys: String, CodingKey {
        case sid
        case accountSid = "account_sid"
        case friendlyName = "friendly_name"
        case usAppToPersonRegistered = "us_app_to_person_registered"
    }

    public init(sid: String, accountSid: String?, friendlyName: String?, usAppToPersonRegistered: Bool?) {
        self.sid = sid
        self.accountSid = accountSid
        self.friendlyName = friendlyName
        self.usAppToPersonRegistered = usAppToPersonRegistered
    }
}

extension TwilioRESTClient {
    /// Sends `request` from the account: `POST …/Messages.json`.
    public func sendMessage(_ credentials: TwilioCredentials, _ request: TwilioMessageRequest) throws(TwilioRESTError)
        -> TwilioMessage
    {
        try decode(
            TwilioMessage.self,
            from: call(
                "POST", settings.baseURL + "/2010-04-01/Accounts/\(credentials.accountSid)/Messages.json", credentials,
                body: .form(request.form)))
    }

    /// The account's messaging service `sid`: `GET {messaging}/v1/Services/{sid}`.
    /// Another account's service, or none, is Twilio's 404 (``TwilioRESTError/rejected(_:)``).
    public func messagingService(_ credentials: TwilioCredentials, sid: String) throws(TwilioRESTError)
        -> TwilioMessagingService
    {
        try decode(
            TwilioMessagingService.self,
            from: call(
                "GET", settings.messagingBaseURL + "/v1/Services/" + Self.pathSegment(sid), credentials, body: nil))
    }
}
