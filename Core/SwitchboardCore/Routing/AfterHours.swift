import SwitchboardJSON

/// What changes when a company is closed (`afterHours`): any of its call and message
/// settings, each taking the place of the company's own outside `businessHours`. What it
/// leaves out stays as the company set it.
///
/// The values are held as the settings themselves, in a ``TwilioConfig`` of their own,
/// so reading, showing, storing and checking each one is its declaration's
/// (``CompanySettings``): nothing here names a setting but ``names``.
public struct AfterHours: Codable, Sendable, Equatable {
    /// The settings `afterHours` may hold, as named in `twilioConfig`.
    public static let names = [
        "callRoutingMode", "forwardNumber", "voicemailGreeting", "agentStreamUrl", "smsAutoReply", "smsMode",
    ]

    /// Their declarations, in that order.
    static let settings: [CompanySetting] = names.compactMap { name in
        CompanySettings.all.first { $0.name == name }
    }

    /// The after-hours values; only the settings in ``names`` are ever set.
    public var values: TwilioConfig { box.values }

    /// The values, boxed: a company's settings hold its `afterHours`, which hold settings.
    private final class Box: Sendable {
        let values: TwilioConfig
        init(_ values: TwilioConfig) { self.values = values }
    }
    private let box: Box

    /// After-hours values taken from `values` (the settings in ``names`` only).
    public init(_ values: TwilioConfig = TwilioConfig()) {
        var kept = TwilioConfig()
        for setting in Self.settings { setting.copy(values, &kept) }
        box = Box(kept)
    }

    public static func == (a: AfterHours, b: AfterHours) -> Bool { a.values == b.values }

    /// The settings it sets.
    var setSettings: [CompanySetting] { Self.settings.filter { $0.stored(values) != nil } }

    /// The names it sets.
    var setNames: [String] { setSettings.map(\.name) }

    /// True when it changes nothing.
    public var isEmpty: Bool { setSettings.isEmpty }

    /// `settings` as they are when the company is closed.
    public func applied(to settings: TwilioConfig) -> TwilioConfig {
        var settings = settings
        for setting in setSettings { setting.copy(values, &settings) }
        // A number of its own after hours rings alone: the day's ring group stays at work.
        if values.forwardNumber != nil { settings.forwardNumbers = nil }
        return settings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SettingKey.self)
        var values = TwilioConfig()
        for setting in Self.settings { try setting.decode(container, &values) }
        box = Box(values)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: SettingKey.self)
        for setting in Self.settings { try setting.encode(values, &container) }
    }
}

extension AfterHours: SettingValue {
    static var absent: AfterHours { AfterHours() }

    /// Each setting read by its own declaration's input; any other name is refused.
    static func reading(_ json: JSONValue) -> Result<AfterHours, SettingInputError> {
        guard case .object(let fields) = json else {
            return .failure(.type("an object of settings (\(names.joined(separator: ", ")))", json))
        }
        var values = TwilioConfig()
        for key in fields.keys.sorted() {
            guard let setting = settings.first(where: { $0.name == key }) else {
                return .failure(
                    SettingInputError(
                        "cannot hold \"\(key.prefix(30))\"; after hours may change \(names.joined(separator: ", "))"))
            }
            if let error = setting.take(fields[key]!, &values) {
                return .failure(SettingInputError(".\(key) \(error.message)"))
            }
        }
        return .success(AfterHours(values))
    }

    var shownValue: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: setSettings.map { ($0.name, $0.shown(values) { _, _ in "••••" }) }))
    }

    var storedValue: MongoValue? {
        .document(
            MongoDocument(setSettings.compactMap { setting in setting.stored(values).map { (setting.name, $0) } }))
    }
}
