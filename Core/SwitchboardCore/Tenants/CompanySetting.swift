import SwitchboardJSON

/// One setting of a company, as ``CompanySettings/all`` declares it: its name (in the
/// stored `twilioConfig` document and in the config API alike), who may change it, whether
/// it is a secret, whether answering a webhook needs it, and its rule.
///
/// Everything that handles settings one by one is derived from these declarations:
/// reading and writing the stored document, the webhook snapshot (and so the cache and
/// MongoDB's projection), MongoDB's `$set`/`$unset`, the config API's view and what a
/// `PUT` may change, the one validator, and `doctor`.
public struct CompanySetting: Sendable {
    /// Who may change a setting.
    public enum Access: Sendable, Equatable {
        /// The config API shows it and a `PUT` changes it.
        case editable
        /// The config API shows it; a `PUT` may send it back, and it is ignored.
        case readOnly
        /// Kept by Switchboard itself (a replaced token): never shown, never taken.
        case internalOnly
    }

    /// The setting's name: the field of `twilioConfig`, in the store and the API.
    public let name: String
    /// Who may change it.
    public let access: Access
    /// The field its secret is sealed under, for a secret (sealed at rest, masked when shown).
    public let secret: SecretField?
    /// True when answering a webhook needs it: it travels in ``TenantSnapshot``, in the
    /// Redis cache, and in MongoDB's projection of a number lookup.
    public let webhook: Bool
    /// A read-only `has…` flag the view shows beside a secret (`hasAuthToken`).
    public let presenceFlag: String?

    let decode: @Sendable (KeyedDecodingContainer<SettingKey>, inout TwilioConfig) throws -> Void
    let encode: @Sendable (TwilioConfig, inout KeyedEncodingContainer<SettingKey>) throws -> Void
    package let copy: @Sendable (TwilioConfig, inout TwilioConfig) -> Void
    let stored: @Sendable (TwilioConfig) -> MongoValue?
    package let shown: @Sendable (TwilioConfig, SecretMasking) -> JSONValue
    /// For a setting holding one phone number: rewrites it in E.164, returning the
    /// spelling it had when that changed.
    package let rewriteToE164: (@Sendable (inout TwilioConfig) -> String?)?
    package let take: @Sendable (JSONValue, inout TwilioConfig) -> SettingInputError?
    let check: @Sendable (TwilioConfig) -> [SettingProblem]

    /// A setting `get` reads and `set` writes (closures, not key paths: a key path is
    /// built at run time, by name, at a cost a one-shot function would pay for each).
    ///
    /// - Parameters:
    ///   - name: its name in `twilioConfig` and in the API.
    ///   - access: who may change it.
    ///   - webhook: whether answering a webhook needs it.
    ///   - secret: the field a secret is sealed under.
    ///   - presenceFlag: the view's `has…` flag beside a secret.
    ///   - showsDefault: the view shows this value when none is stored (`nil`: `null`).
    ///   - storesDefault: MongoDB stores the value when it is the absent one; `false`
    ///     leaves the field out (`requireSharedKey`, which the earlier system never wrote).
    ///   - input: how the config API's JSON becomes the value (the value's own reading
    ///     when `nil`); a message naming what is wrong when it cannot.
    ///   - show: how the view shows it (the value's own JSON when `nil`).
    ///   - store: how MongoDB stores it (the value's own when `nil`).
    ///   - rule: what the value must be, as problems (one closure, not a list: a list of
    ///     closures of each value type costs a process start its own generic metadata);
    ///     the validator runs it on every
    ///     save, every `PUT` and in `doctor`.
    @inline(__always)
    init<Value: SettingValue>(
        _ name: String, _ get: @escaping @Sendable (TwilioConfig) -> Value,
        _ set: @escaping @Sendable (inout TwilioConfig, Value) -> Void, access: Access = .editable,
        webhook: Bool = false, secret: SecretField? = nil, presenceFlag: String? = nil, showsDefault: Value? = nil,
        storesDefault: Bool = true,
        input: (@Sendable (JSONValue) -> Result<Value, SettingInputError>)? = nil,
        show: (@Sendable (Value, TwilioConfig, SecretMasking) -> JSONValue)? = nil,
        store: (@Sendable (Value) -> MongoValue?)? = nil,
        decode: (@Sendable (KeyedDecodingContainer<SettingKey>, SettingKey) throws -> Value)? = nil,
        rewriteToE164: (@Sendable (inout TwilioConfig) -> String?)? = nil,
        rule: (@Sendable (Value, TwilioConfig) -> [SettingProblem])? = nil
    ) {
        self.rewriteToE164 = rewriteToE164
        self.name = name
        self.access = access
        self.secret = secret
        self.webhook = webhook
        self.presenceFlag = presenceFlag
        let key = SettingKey(name)
        self.decode = { container, config in
            if let decode {
                set(&config, try decode(container, key))
            } else {
                set(&config, try Value.decode(from: container, key) ?? Value.absent)
            }
        }
        self.encode = { config, container in
            let value = get(config)
            // As Swift's own Codable writes a document: an absent optional is left out.
            if Value.absentIsNothing && value == Value.absent { return }
            try value.encode(to: &container, key)
        }
        self.copy = { source, target in set(&target, get(source)) }
        self.stored = { config in
            let value = get(config)
            if !storesDefault && value == Value.absent { return nil }
            return store.map { $0(value) } ?? value.storedValue
        }
        self.shown = { config, masking in
            var value = get(config)
            if value == Value.absent, let showsDefault { value = showsDefault }
            return show.map { $0(value, config, masking) } ?? value.shownValue
        }
        self.take = { json, config in
            switch input.map({ $0(json) }) ?? Value.reading(json) {
            case .success(let value):
                set(&config, value)
                return nil
            case .failure(let error):
                return error
            }
        }
        self.check = { config in rule?(get(config), config) ?? [] }
    }
}

/// A setting's key in the stored document and in JSON.
struct SettingKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// How the config API's view masks a stored secret: `••••` and its last four characters.
public typealias SecretMasking = @Sendable (StoredSecret, SecretField) -> String

/// Why the config API's JSON for a setting cannot be its value: the message says what it
/// must be.
public struct SettingInputError: Error, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    /// A value of the wrong JSON type.
    static func type(_ expected: String, _ got: JSONValue) -> SettingInputError {
        SettingInputError("must be \(expected) or null, not \(got.kindDescription)")
    }
}

/// What the validator found wrong with one field of a company's settings. It names the
/// field (`forwardNumber`, `phoneNumbers[2].status`) and the rule, never a secret's value.
public struct SettingProblem: Sendable, Equatable, CustomStringConvertible {
    /// How `doctor` reports this problem.
    public enum Kind: String, Sendable, Equatable {
        /// A value that breaks its setting's rule.
        case invalidSetting = "invalid-setting"
        /// A number that is not a phone number at all.
        case invalidNumber = "invalid-number"
        /// Numbers that answer calls, but no Account SID or auth token to check them with.
        case missingCredentials = "missing-credentials"
        /// Forward mode with no forward number: its calls go to voicemail.
        case forwardWithoutNumber = "forward-without-number"
        /// SMS settings that cannot work: messages get no answer.
        case smsUnworkable = "sms-unworkable"
    }

    /// The field: a setting's name, or a path into it.
    public let field: String
    /// What it must be: `must be a wss:// URL`.
    public let message: String
    public let kind: Kind

    public init(_ field: String, _ message: String, kind: Kind = .invalidSetting) {
        self.field = field
        self.message = message
        self.kind = kind
    }

    /// `field message`, as people read it.
    public var description: String { "\(field) \(message)" }
}

/// A type a company setting holds: how it reads from the config API's JSON, shows in
/// the view, is stored in MongoDB, and what an absent value is.
protocol SettingValue: Codable, Sendable, Equatable {
    /// The value of a setting the document does not hold.
    static var absent: Self { get }
    /// True when ``absent`` is no value at all (an optional's `nil`): never stored.
    static var absentIsNothing: Bool { get }
    /// The value in the config API's JSON, or what it must be.
    static func reading(_ json: JSONValue) -> Result<Self, SettingInputError>
    /// The value as the view shows it.
    var shownValue: JSONValue { get }
    /// The value as MongoDB stores it; `nil` unsets the field.
    var storedValue: MongoValue? { get }
}

extension SettingValue {
    static var absentIsNothing: Bool { false }

    /// The value a document holds at `key`, `nil` when it holds none: through Codable,
    /// unless the type reads itself more directly (text, flags and numbers use the
    /// container's own reads, not the generic path, on every lookup that decodes a company).
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> Self? {
        try container.decodeIfPresent(Self.self, forKey: key)
    }

    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        try container.encode(self, forKey: key)
    }
}

extension Optional: SettingValue where Wrapped: SettingValue {
    static var absent: Self { nil }
    static var absentIsNothing: Bool { true }
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> Self? {
        try Wrapped.decode(from: container, key).map { .some($0) }
    }
    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        if let self { try self.encode(to: &container, key) }
    }
    static func reading(_ json: JSONValue) -> Result<Self, SettingInputError> {
        if json == .null { return .success(nil) }
        return Wrapped.reading(json).map { $0 }
    }
    var shownValue: JSONValue { self?.shownValue ?? .null }
    var storedValue: MongoValue? { self?.storedValue }
}

extension String: SettingValue {
    static var absent: String { "" }
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> String? {
        try container.decodeIfPresent(String.self, forKey: key)
    }
    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        try container.encode(self, forKey: key)
    }
    static func reading(_ json: JSONValue) -> Result<String, SettingInputError> {
        guard case .string(let text) = json else { return .failure(.type("a string", json)) }
        return .success(text)
    }
    var shownValue: JSONValue { .string(self) }
    var storedValue: MongoValue? { .string(self) }
}

extension Bool: SettingValue {
    static var absent: Bool { false }
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> Bool? {
        try container.decodeIfPresent(Bool.self, forKey: key)
    }
    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        try container.encode(self, forKey: key)
    }
    static func reading(_ json: JSONValue) -> Result<Bool, SettingInputError> {
        switch json {
        case .bool(let flag): .success(flag)
        case .null: .success(false)
        default: .failure(SettingInputError("must be true or false, not \(json.kindDescription)"))
        }
    }
    var shownValue: JSONValue { .bool(self) }
    var storedValue: MongoValue? { .bool(self) }
}

extension Int: SettingValue {
    static var absent: Int { 0 }
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> Int? {
        try container.decodeIfPresent(Int.self, forKey: key)
    }
    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        try container.encode(self, forKey: key)
    }
    static func reading(_ json: JSONValue) -> Result<Int, SettingInputError> {
        guard case .number(let text) = json, let value = Int(text) else {
            return .failure(.type("a whole number", json))
        }
        return .success(value)
    }
    var shownValue: JSONValue { .number(String(self)) }
    var storedValue: MongoValue? { .int(self) }
}

extension CallRoutingMode: SettingValue {}
extension ForwardFallback: SettingValue {}
extension SMSMode: SettingValue {}
extension WebhookSigning: SettingValue {}
extension ForwardStrategy: SettingValue {}
extension ForwardChannel: SettingValue {}

extension SettingMode {
    static var absent: Self { whenAbsent }
    static func decode(from container: KeyedDecodingContainer<SettingKey>, _ key: SettingKey) throws -> Self? {
        try container.decodeIfPresent(String.self, forKey: key).map(Self.named)
    }
    func encode(to container: inout KeyedEncodingContainer<SettingKey>, _ key: SettingKey) throws {
        try container.encode(rawValue, forKey: key)
    }
    static func reading(_ json: JSONValue) -> Result<Self, SettingInputError> {
        guard case .string(let text) = json else { return .failure(.type("a string", json)) }
        return .success(Self.named(text))
    }
    var shownValue: JSONValue { .string(rawValue) }
    var storedValue: MongoValue? { .string(rawValue) }
}

extension StoredSecret: SettingValue {
    static var absent: StoredSecret { .plaintext("") }
    static func reading(_ json: JSONValue) -> Result<StoredSecret, SettingInputError> {
        guard case .string(let text) = json else { return .failure(.type("a string", json)) }
        return .success(.plaintext(text))
    }
    /// Never shown as it is: the view masks it (see ``SecretMasking``).
    var shownValue: JSONValue { .string("••••") }
    var storedValue: MongoValue? { .string(stored) }
}

extension WebhookSharedKey: SettingValue {
    static var absent: WebhookSharedKey { WebhookSharedKey(sid: "", secret: .plaintext(""), algorithm: "") }
    static func reading(_ json: JSONValue) -> Result<WebhookSharedKey, SettingInputError> {
        .failure(SettingInputError("is managed by switchboard signing"))
    }
    var shownValue: JSONValue {
        .object([
            "sid": .string(sid), "algorithm": .string(algorithm), "secret": .string("••••"),
            "settingId": settingId.map(JSONValue.string) ?? .null, "ruleIds": .array(ruleIds.map(JSONValue.string)),
        ])
    }
    var storedValue: MongoValue? {
        var fields: [(String, MongoValue)] = [
            ("sid", .string(sid)), ("secret", .string(secret.stored)), ("algorithm", .string(algorithm)),
        ]
        if let settingId { fields.append(("settingId", .string(settingId))) }
        fields.append(("ruleIds", .array(ruleIds.map(MongoValue.string))))
        return .document(MongoDocument(fields))
    }
}

extension Array: SettingValue where Element == PhoneNumberEntry {
    static var absent: [PhoneNumberEntry] { [] }
    static func reading(_ json: JSONValue) -> Result<[PhoneNumberEntry], SettingInputError> {
        .failure(SettingInputError("is read by its entries"))
    }
    var shownValue: JSONValue {
        .array(
            map { entry in
                .object([
                    "phoneNumber": .string((try? PhoneNumber(parsing: entry.phoneNumber))?.e164 ?? entry.phoneNumber),
                    "friendlyName": entry.friendlyName.map(JSONValue.string) ?? .null,
                    "status": entry.status.map(JSONValue.string) ?? .null,
                    "isPrimary": .bool(entry.isPrimary ?? false),
                    "channel": .string(entry.channel ?? MessageChannel.sms.rawValue),
                ])
            })
    }
    var storedValue: MongoValue? {
        .array(
            map { entry in
                var fields: [(String, MongoValue)] = [("phoneNumber", .string(entry.phoneNumber))]
                if let name = entry.friendlyName { fields.append(("friendlyName", .string(name))) }
                if let status = entry.status { fields.append(("status", .string(status))) }
                if let primary = entry.isPrimary { fields.append(("isPrimary", .bool(primary))) }
                if let channel = entry.channel { fields.append(("channel", .string(channel))) }
                return .document(MongoDocument(fields))
            })
    }
}
