import SwitchboardJSON

/// What changes when a company is closed (`afterHours`): any of its call and message
/// settings, each taking the place of the company's own outside `businessHours`. What it
/// leaves out stays as the company set it.
public struct AfterHours: Codable, Sendable, Equatable {
    public var callRoutingMode: CallRoutingMode?
    public var forwardNumber: String?
    public var voicemailGreeting: String?
    public var agentStreamUrl: String?
    public var smsAutoReply: String?
    public var smsMode: SMSMode?

    public init(
        callRoutingMode: CallRoutingMode? = nil, forwardNumber: String? = nil, voicemailGreeting: String? = nil,
        agentStreamUrl: String? = nil, smsAutoReply: String? = nil, smsMode: SMSMode? = nil
    ) {
        self.callRoutingMode = callRoutingMode
        self.forwardNumber = forwardNumber
        self.voicemailGreeting = voicemailGreeting
        self.agentStreamUrl = agentStreamUrl
        self.smsAutoReply = smsAutoReply
        self.smsMode = smsMode
    }

    /// The settings `afterHours` may hold, as named in `twilioConfig`.
    public static let names = [
        "callRoutingMode", "forwardNumber", "voicemailGreeting", "agentStreamUrl", "smsAutoReply", "smsMode",
    ]

    /// True when it changes nothing.
    public var isEmpty: Bool { self == AfterHours() }

    /// `settings` as they are when the company is closed.
    public func applied(to settings: TwilioConfig) -> TwilioConfig {
        var settings = settings
        if let callRoutingMode { settings.callRoutingMode = callRoutingMode }
        if let forwardNumber {
            // A number of its own after hours rings alone: the day's ring group stays at work.
            settings.forwardNumber = forwardNumber
            settings.forwardNumbers = nil
        }
        if let voicemailGreeting { settings.voicemailGreeting = voicemailGreeting }
        if let agentStreamUrl { settings.agentStreamUrl = agentStreamUrl }
        if let smsAutoReply { settings.smsAutoReply = smsAutoReply }
        if let smsMode { settings.smsMode = smsMode }
        return settings
    }

    /// The names it sets.
    var setNames: [String] {
        var names: [String] = []
        if callRoutingMode != nil { names.append("callRoutingMode") }
        if forwardNumber != nil { names.append("forwardNumber") }
        if voicemailGreeting != nil { names.append("voicemailGreeting") }
        if agentStreamUrl != nil { names.append("agentStreamUrl") }
        if smsAutoReply != nil { names.append("smsAutoReply") }
        if smsMode != nil { names.append("smsMode") }
        return names
    }
}

extension AfterHours: SettingValue {
    static var absent: AfterHours { AfterHours() }

    static func reading(_ json: JSONValue) -> Result<AfterHours, SettingInputError> {
        guard case .object(let fields) = json else {
            return .failure(.type("an object of settings (\(names.joined(separator: ", ")))", json))
        }
        var value = AfterHours()
        for key in fields.keys.sorted() {
            let field = fields[key]!
            if field == .null { continue }
            func text() -> Result<String, SettingInputError> {
                guard case .string(let text) = field else {
                    return .failure(SettingInputError(".\(key) must be a string or null, not \(field.kindDescription)"))
                }
                return .success(text)
            }
            let read: Result<String, SettingInputError>
            switch key {
            case "callRoutingMode", "voicemailGreeting", "agentStreamUrl", "smsAutoReply", "smsMode":
                read = text()
            case "forwardNumber":
                read = text().map { (try? PhoneNumber(parsing: $0))?.e164 ?? $0 }
            default:
                return .failure(
                    SettingInputError(
                        "cannot hold \"\(key.prefix(30))\"; after hours may change \(names.joined(separator: ", "))"))
            }
            switch read {
            case .failure(let error): return .failure(error)
            case .success(let text):
                switch key {
                case "callRoutingMode": value.callRoutingMode = CallRoutingMode.named(text)
                case "forwardNumber": value.forwardNumber = text
                case "voicemailGreeting": value.voicemailGreeting = text
                case "agentStreamUrl": value.agentStreamUrl = text
                case "smsAutoReply": value.smsAutoReply = text
                default: value.smsMode = SMSMode.named(text)
                }
            }
        }
        return .success(value)
    }

    var shownValue: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let callRoutingMode { fields["callRoutingMode"] = .string(callRoutingMode.rawValue) }
        if let forwardNumber { fields["forwardNumber"] = CompanySettings.e164(forwardNumber) }
        if let voicemailGreeting { fields["voicemailGreeting"] = .string(voicemailGreeting) }
        if let agentStreamUrl { fields["agentStreamUrl"] = .string(agentStreamUrl) }
        if let smsAutoReply { fields["smsAutoReply"] = .string(smsAutoReply) }
        if let smsMode { fields["smsMode"] = .string(smsMode.rawValue) }
        return .object(fields)
    }

    var storedValue: MongoValue? {
        var fields: [(String, MongoValue)] = []
        if let callRoutingMode { fields.append(("callRoutingMode", .string(callRoutingMode.rawValue))) }
        if let forwardNumber { fields.append(("forwardNumber", .string(forwardNumber))) }
        if let voicemailGreeting { fields.append(("voicemailGreeting", .string(voicemailGreeting))) }
        if let agentStreamUrl { fields.append(("agentStreamUrl", .string(agentStreamUrl))) }
        if let smsAutoReply { fields.append(("smsAutoReply", .string(smsAutoReply))) }
        if let smsMode { fields.append(("smsMode", .string(smsMode.rawValue))) }
        return .document(MongoDocument(fields))
    }
}
