import SwitchboardJSON

/// A company's Twilio account and call handling: the `twilioConfig` sub-document.
///
/// **Adding a setting** is a stored property here and its declaration in
/// ``CompanySettings/all`` below (name, access, secret, webhook, rules), then the code
/// that acts on it, its tests and its docs: the stored document, the snapshot, MongoDB's
/// projection and `$set`, the config API's view and input, the validator and `doctor`
/// all follow from the declaration (docs/architecture.md shows one such change).
public struct TwilioConfig: Sendable, Equatable {
    /// The company's Twilio Account SID (`AC` + 32 hex digits).
    public var accountSid: String?
    /// The account's auth token, sealed at rest; the key for request signatures.
    public var authToken: StoredSecret?
    /// The auth token this one replaced, sealed, still accepted for request signatures
    /// until ``authTokenPreviousExpiresAt``: Twilio signs with whichever token is primary
    /// in the customer's console, and customers promote a new one on their own schedule.
    public var authTokenPrevious: StoredSecret?
    /// When ``authTokenPrevious`` stops being accepted (ISO 8601).
    public var authTokenPreviousExpiresAt: String?
    /// An API key SID (`SK…`) for REST calls.
    public var apiKey: String?
    /// The API key's secret, sealed at rest.
    public var apiSecret: StoredSecret?
    /// The legacy single number field, possibly in the `+1-555-123-4567` spelling.
    public var phoneNumber: String?
    /// The company's numbers.
    public var phoneNumbers: [PhoneNumberEntry]
    /// How calls are answered; none stored is voicemail.
    public var callRoutingMode: CallRoutingMode?
    /// Where `forward` mode rings: a ring group of one, when there is no `forwardNumbers`.
    public var forwardNumber: String?
    /// The ring group `forward` mode rings, in E.164 (at most 10); `forwardNumber` when absent.
    public var forwardNumbers: SettingList?
    /// How the ring group rings: all at once (none stored) or one after another.
    public var forwardStrategy: ForwardStrategy?
    /// How long a forward rings before it counts as not answered, in seconds: each number
    /// in sequence, the whole group at once; ``ForwardRing/defaultSeconds`` when absent.
    public var forwardRingSeconds: Int?
    /// When true, whoever picks up a forwarded call must press 1 to take it: a mobile's
    /// own voicemail, a fax or silence never does.
    public var forwardScreening: Bool?
    /// Whether forwarded calls are recorded.
    public var recordingEnabled: Bool
    /// Spoken to the person who answers a forwarded call, before the caller is connected.
    public var whisperMessage: String?
    /// What a forwarded call nobody answers gets; none stored is voicemail.
    public var forwardFallback: ForwardFallback?
    /// The voicemail greeting; a default naming the company is spoken when absent.
    public var voicemailGreeting: String?
    /// Whether a voicemail is transcribed (Twilio's transcription: English, 2 s to 2
    /// minutes); none stored is on.
    public var transcribeVoicemail: Bool?
    /// The numbers texted of each voicemail (and missed call, when `notifyOn` asks), in E.164.
    public var notifySms: SettingList?
    /// The addresses e-mailed of each voicemail (and missed call, when `notifyOn` asks).
    public var notifyEmail: SettingList?
    /// What the company is told of: `voicemail`, `missed-call`; none stored is `voicemail`.
    public var notifyOn: SettingList?
    /// How many days the company's recordings are kept at Twilio; none stored: kept.
    public var recordingRetentionDays: Int?
    /// The company's own agent media-stream URL (`wss://…`), overriding the platform's.
    public var agentStreamUrl: String?
    /// What an incoming message gets; none stored is `none`.
    public var smsMode: SMSMode?
    /// The text of the automatic reply in `auto-reply` mode.
    public var smsAutoReply: String?
    /// Where `forward` mode sends messages; the company's `forwardNumber` when absent.
    public var smsForwardNumber: String?
    /// The channel `forward` mode sends on: `sms` (none stored) or `whatsapp`.
    public var smsForwardChannel: ForwardChannel?
    /// The Twilio messaging service (`MG…`) the company's messages are sent through, for
    /// A2P 10DLC; none: straight from its numbers.
    public var messagingServiceSid: String?
    /// The company's time zone, an IANA name (`America/New_York`): where its hours are read.
    public var timezone: String?
    /// When the company is open, in its `timezone`; none: always open.
    public var businessHours: BusinessHours?
    /// Holidays (`YYYY-MM-DD`): the openings that open on these dates do not open.
    public var closedDates: SettingList?
    /// The call and message settings that apply while the company is closed.
    public var afterHours: AfterHours?
    /// Callers and senders refused: E.164 numbers, or prefixes written `+1900*`.
    public var blockedCallers: SettingList?
    /// When true, callers who withhold their number are refused.
    public var rejectAnonymous: Bool?
    /// How the company asks Twilio to sign its webhooks; none stored is `auth-token`.
    public var webhookSigning: WebhookSigning?
    /// The SharedKey Twilio signs the company's webhooks with, when it signs with one.
    public var webhookSharedKey: WebhookSharedKey?
    /// The SharedKey a rotation replaced, still accepted until
    /// ``webhookSharedKeyPreviousExpiresAt``.
    public var webhookSharedKeyPrevious: WebhookSharedKey?
    /// When ``webhookSharedKeyPrevious`` stops being accepted (ISO 8601).
    public var webhookSharedKeyPreviousExpiresAt: String?
    /// When true, a webhook not signed with the company's SharedKey is refused, whatever
    /// its auth-token signature: no downgrade to the auth token.
    public var requireSharedKey: Bool
    /// When the settings last changed (ISO 8601).
    public var lastUpdated: String?
    /// Who last changed them.
    public var updatedBy: String?

    /// Empty settings, with the ones given.
    public init(
        accountSid: String? = nil, authToken: StoredSecret? = nil,
        authTokenPrevious: StoredSecret? = nil, authTokenPreviousExpiresAt: String? = nil, apiKey: String? = nil,
        apiSecret: StoredSecret? = nil, phoneNumber: String? = nil, phoneNumbers: [PhoneNumberEntry] = [],
        callRoutingMode: CallRoutingMode? = nil, forwardNumber: String? = nil, forwardNumbers: SettingList? = nil,
        forwardStrategy: ForwardStrategy? = nil, forwardRingSeconds: Int? = nil, forwardScreening: Bool? = nil,
        recordingEnabled: Bool = false,
        whisperMessage: String? = nil, forwardFallback: ForwardFallback? = nil, voicemailGreeting: String? = nil,
        transcribeVoicemail: Bool? = nil, notifySms: SettingList? = nil, notifyEmail: SettingList? = nil,
        notifyOn: SettingList? = nil, recordingRetentionDays: Int? = nil, agentStreamUrl: String? = nil,
        smsMode: SMSMode? = nil, smsAutoReply: String? = nil, smsForwardNumber: String? = nil,
        smsForwardChannel: ForwardChannel? = nil, messagingServiceSid: String? = nil,
        timezone: String? = nil, businessHours: BusinessHours? = nil, closedDates: SettingList? = nil,
        afterHours: AfterHours? = nil, blockedCallers: SettingList? = nil, rejectAnonymous: Bool? = nil,
        webhookSigning: WebhookSigning? = nil, webhookSharedKey: WebhookSharedKey? = nil,
        webhookSharedKeyPrevious: WebhookSharedKey? = nil,
        webhookSharedKeyPreviousExpiresAt: String? = nil, requireSharedKey: Bool = false,
        lastUpdated: String? = nil, updatedBy: String? = nil
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.authTokenPrevious = authTokenPrevious
        self.authTokenPreviousExpiresAt = authTokenPreviousExpiresAt
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.phoneNumber = phoneNumber
        self.phoneNumbers = phoneNumbers
        self.callRoutingMode = callRoutingMode
        self.forwardNumber = forwardNumber
        self.forwardNumbers = forwardNumbers
        self.forwardStrategy = forwardStrategy
        self.forwardRingSeconds = forwardRingSeconds
        self.forwardScreening = forwardScreening
        self.recordingEnabled = recordingEnabled
        self.whisperMessage = whisperMessage
        self.forwardFallback = forwardFallback
        self.voicemailGreeting = voicemailGreeting
        self.transcribeVoicemail = transcribeVoicemail
        self.notifySms = notifySms
        self.notifyEmail = notifyEmail
        self.notifyOn = notifyOn
        self.recordingRetentionDays = recordingRetentionDays
        self.agentStreamUrl = agentStreamUrl
        self.smsMode = smsMode
        self.smsAutoReply = smsAutoReply
        self.smsForwardNumber = smsForwardNumber
        self.smsForwardChannel = smsForwardChannel
        self.messagingServiceSid = messagingServiceSid
        self.timezone = timezone
        self.businessHours = businessHours
        self.closedDates = closedDates
        self.afterHours = afterHours
        self.blockedCallers = blockedCallers
        self.rejectAnonymous = rejectAnonymous
        self.webhookSigning = webhookSigning
        self.webhookSharedKey = webhookSharedKey
        self.webhookSharedKeyPrevious = webhookSharedKeyPrevious
        self.webhookSharedKeyPreviousExpiresAt = webhookSharedKeyPreviousExpiresAt
        self.requireSharedKey = requireSharedKey
        self.lastUpdated = lastUpdated
        self.updatedBy = updatedBy
    }
}

/// The declaration of every company setting, in the order people are shown them.
public enum CompanySettings {
    /// Every setting of `twilioConfig`.
    public static let all: [CompanySetting] = [
        CompanySetting("accountSid", { $0.accountSid }, { $0.accountSid = $1 }, webhook: true, rule: sid("AC")),
        CompanySetting(
            "authToken", { $0.authToken }, { $0.authToken = $1 }, webhook: true, secret: .authToken,
            presenceFlag: "hasAuthToken",
            show: { secret, _, masking in secret.map { .string(masking($0, .authToken)) } ?? .null },
            rule:
                clearSecret(
                    "must be the account's auth token, 32 hexadecimal characters (or null to remove it)",
                    { $0.utf8.count == 32 && $0.utf8.allSatisfy { $0.isHexDigit } })),
        CompanySetting(
            "authTokenPrevious", { $0.authTokenPrevious }, { $0.authTokenPrevious = $1 }, access: .internalOnly,
            webhook: true, secret: .authTokenPrevious),
        time(
            "authTokenPreviousExpiresAt", { $0.authTokenPreviousExpiresAt }, { $0.authTokenPreviousExpiresAt = $1 },
            shownWhile: { $0.authTokenPrevious != nil }),
        CompanySetting("apiKey", { $0.apiKey }, { $0.apiKey = $1 }, rule: sid("SK")),
        CompanySetting(
            "apiSecret", { $0.apiSecret }, { $0.apiSecret = $1 }, secret: .apiSecret, presenceFlag: "hasApiSecret",
            show: { secret, _, masking in secret.map { .string(masking($0, .apiSecret)) } ?? .null },
            rule:
                clearSecret(
                    "must be the API key's secret, 32 letters and digits (or null to remove it)",
                    { $0.utf8.count == 32 && $0.utf8.allSatisfy { $0.isASCIIAlphanumeric } })),
        phoneNumber("phoneNumber", { $0.phoneNumber }, { $0.phoneNumber = $1 }, kind: .invalidNumber),
        CompanySetting("phoneNumbers", { $0.phoneNumbers }, { $0.phoneNumbers = $1 }, rule: PhoneNumberEntry.rules),
        CompanySetting(
            "callRoutingMode", { $0.callRoutingMode }, { $0.callRoutingMode = $1 }, webhook: true, rule: known()),
        phoneNumber(
            "forwardNumber", { $0.forwardNumber }, { $0.forwardNumber = $1 }, webhook: true,
            also: notOwnNumber("calls would loop")),
        CompanySetting(
            "forwardNumbers", { $0.forwardNumbers }, { $0.forwardNumbers = $1 }, webhook: true,
            input: phoneNumbersInput, show: { list, _, _ in list.map { .array($0.items.map(e164)) } ?? .array([]) },
            rule: listRule { number, config in
                guard let parsed = try? PhoneNumber(parsing: number) else {
                    return "\"\(number.prefix(40))\" is not a phone number"
                }
                return config.holds(parsed) ? "\(parsed) is one of this company's own numbers; calls would loop" : nil
            }),
        CompanySetting(
            "forwardStrategy", { $0.forwardStrategy }, { $0.forwardStrategy = $1 }, webhook: true,
            showsDefault: ForwardStrategy.simultaneous, rule: known()),
        CompanySetting(
            "forwardRingSeconds", { $0.forwardRingSeconds }, { $0.forwardRingSeconds = $1 }, webhook: true,
            showsDefault: .some(ForwardRing.defaultSeconds),
            rule: whole(in: ForwardRing.seconds, "a whole number of seconds")),
        CompanySetting(
            "forwardScreening", { $0.forwardScreening }, { $0.forwardScreening = $1 }, webhook: true,
            showsDefault: .some(false)),
        CompanySetting("recordingEnabled", { $0.recordingEnabled }, { $0.recordingEnabled = $1 }, webhook: true),
        CompanySetting(
            "whisperMessage", { $0.whisperMessage }, { $0.whisperMessage = $1 }, webhook: true,
            rule: text(maximum: 1_000)),
        CompanySetting(
            "forwardFallback", { $0.forwardFallback }, { $0.forwardFallback = $1 }, webhook: true,
            showsDefault: ForwardFallback.voicemail, rule: known()),
        CompanySetting(
            "voicemailGreeting", { $0.voicemailGreeting }, { $0.voicemailGreeting = $1 }, webhook: true,
            rule: text(maximum: 1_000)),
        CompanySetting(
            "transcribeVoicemail", { $0.transcribeVoicemail }, { $0.transcribeVoicemail = $1 }, webhook: true,
            showsDefault: .some(true)),
        CompanySetting(
            "notifySms", { $0.notifySms }, { $0.notifySms = $1 }, webhook: true, input: phoneNumbersInput,
            show: { list, _, _ in list.map { .array($0.items.map(e164)) } ?? .array([]) },
            rule: listRule { number, config in
                guard let parsed = try? PhoneNumber(parsing: number) else {
                    return "\"\(number.prefix(40))\" is not a phone number"
                }
                return config.holds(parsed) ? "\(parsed) is one of this company's own numbers" : nil
            }),
        CompanySetting(
            "notifyEmail", { $0.notifyEmail }, { $0.notifyEmail = $1 }, webhook: true,
            input: { json in SettingList?.reading(json).map { $0.flatMap { $0.items.isEmpty ? nil : $0 } } },
            show: { list, _, _ in list?.shownValue ?? .array([]) },
            rule: listRule { address, _ in
                EmailAddress.isValid(address)
                    ? nil : "\"\(address.prefix(60))\" is not an e-mail address Switchboard sends to (name@example.com)"
            }),
        CompanySetting(
            "notifyOn", { $0.notifyOn }, { $0.notifyOn = $1 }, webhook: true,
            showsDefault: .some(NotificationEvent.defaults),
            rule: listRule { event, _ in
                NotificationEvent(rawValue: event) == nil
                    ? "\"\(event.prefix(40))\" is not one of \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))"
                    : nil
            }),
        CompanySetting(
            "recordingRetentionDays", { $0.recordingRetentionDays }, { $0.recordingRetentionDays = $1 },
            rule: whole(in: RecordingRetentionPolicy.days, "a whole number of days")),
        CompanySetting(
            "agentStreamUrl", { $0.agentStreamUrl }, { $0.agentStreamUrl = $1 }, webhook: true,
            rule:
                present { url, _ in
                    StreamURL.isValid(url)
                        ? [] : [problem("must be a wss:// URL of at most 2048 characters without spaces")]
                }),
        CompanySetting(
            "smsMode", { $0.smsMode }, { $0.smsMode = $1 }, webhook: true, showsDefault: SMSMode.none,
            rule: known(kind: .smsUnworkable)),
        CompanySetting(
            "smsAutoReply", { $0.smsAutoReply }, { $0.smsAutoReply = $1 }, webhook: true,
            rule: text(minimum: 1, maximum: SMSMessagePlanner.maximumReplyLength)),
        phoneNumber(
            "smsForwardNumber", { $0.smsForwardNumber }, { $0.smsForwardNumber = $1 }, webhook: true,
            also: notOwnNumber("messages would loop")),
        CompanySetting(
            "smsForwardChannel", { $0.smsForwardChannel }, { $0.smsForwardChannel = $1 }, webhook: true,
            showsDefault: ForwardChannel.sms, rule: known()),
        CompanySetting(
            "messagingServiceSid", { $0.messagingServiceSid }, { $0.messagingServiceSid = $1 }, rule: sid("MG")),
        CompanySetting(
            "timezone", { $0.timezone }, { $0.timezone = $1 }, webhook: true,
            rule: present { zone, _ in
                if ZoneClock.isKnownZone(zone) { return [] }
                guard ZoneClock.folder != nil else {
                    return [problem("cannot be checked: no time-zone database was found (SWITCHBOARD_ZONEINFO)")]
                }
                return [problem("\"\(zone.prefix(64))\" is not a time zone: write an IANA name like America/New_York")]
            }),
        CompanySetting(
            "businessHours", { $0.businessHours }, { $0.businessHours = $1 }, webhook: true,
            input: { json in BusinessHours?.reading(json).map { $0.flatMap { $0.entries.isEmpty ? nil : $0 } } },
            show: { hours, _, _ in hours?.shownValue ?? .array([]) },
            rule: present { hours, _ in hours.problems() }),
        CompanySetting(
            "closedDates", { $0.closedDates }, { $0.closedDates = $1 }, webhook: true,
            input: { json in SettingList?.reading(json).map { $0.flatMap { $0.items.isEmpty ? nil : $0 } } },
            show: { list, _, _ in list?.shownValue ?? .array([]) },
            rule: listRule(maximum: 100) { date, _ in
                ClosedDate.isValid(date) ? nil : "\"\(date.prefix(20))\" is not a date written YYYY-MM-DD"
            }),
        CompanySetting(
            "afterHours", { $0.afterHours }, { $0.afterHours = $1 }, webhook: true,
            input: { json in AfterHours?.reading(json).map { $0.flatMap { $0.isEmpty ? nil : $0 } } },
            show: { hours, _, _ in hours?.shownValue ?? .object([:]) },
            rule: present { afterHours, config in afterHoursProblems(afterHours, config) }),
        CompanySetting(
            "blockedCallers", { $0.blockedCallers }, { $0.blockedCallers = $1 }, webhook: true,
            input: { json in
                SettingList?.reading(json).map { list in
                    guard let list, !list.items.isEmpty else { return nil }
                    return SettingList(list.items.map(CallerBlocklist.normalized))
                }
            },
            show: { list, _, _ in list?.shownValue ?? .array([]) },
            rule: listRule(maximum: 200) { entry, _ in CallerBlocklist.problem(with: entry) }),
        CompanySetting(
            "rejectAnonymous", { $0.rejectAnonymous }, { $0.rejectAnonymous = $1 }, webhook: true,
            showsDefault: .some(false)),
        CompanySetting(
            "webhookSigning", { $0.webhookSigning }, { $0.webhookSigning = $1 }, showsDefault: WebhookSigning.authToken,
            rule: known()),
        CompanySetting(
            "webhookSharedKey", { $0.webhookSharedKey }, { $0.webhookSharedKey = $1 }, access: .readOnly, webhook: true,
            secret: .webhookSharedKey,
            show: { key, _, masking in sharedKeyShown(key, masking) }, rule: WebhookSharedKey.rules),
        CompanySetting(
            "webhookSharedKeyPrevious", { $0.webhookSharedKeyPrevious }, { $0.webhookSharedKeyPrevious = $1 },
            access: .internalOnly, webhook: true,
            secret: .webhookSharedKey, rule: WebhookSharedKey.rules),
        time(
            "webhookSharedKeyPreviousExpiresAt", { $0.webhookSharedKeyPreviousExpiresAt },
            { $0.webhookSharedKeyPreviousExpiresAt = $1 },
            shownWhile: { $0.webhookSharedKeyPrevious != nil }),
        CompanySetting(
            "requireSharedKey", { $0.requireSharedKey }, { $0.requireSharedKey = $1 }, webhook: true,
            storesDefault: false,
            rule: { required, config in
                guard required, config.webhookSharedKey == nil else { return [] }
                return [
                    problem(
                        "needs the company's webhooks signed with a shared key first: set webhookSigning to shared-key and save with ?configureWebhooks=true, or run switchboard signing enable"
                    )
                ]
            }),
        time("lastUpdated", { $0.lastUpdated }, { $0.lastUpdated = $1 }),
        CompanySetting("updatedBy", { $0.updatedBy }, { $0.updatedBy = $1 }, access: .readOnly),
    ]

    /// What one setting asks of another, for the validator: each names the field a
    /// person must change.
    static let betweenSettings: [@Sendable (TwilioConfig) -> SettingProblem?] = [
        { $0.apiKey != nil && $0.apiSecret == nil ? SettingProblem("apiSecret", "is required with apiKey") : nil },
        { $0.apiKey == nil && $0.apiSecret != nil ? SettingProblem("apiKey", "is required with apiSecret") : nil },
        { config in
            guard
                config.callRoutingMode == .forward && (config.forwardNumber ?? "").isEmpty
                    && (config.forwardNumbers?.items ?? []).isEmpty
            else { return nil }
            return SettingProblem(
                "forwardNumber", "is required when callRoutingMode is forward (or a ring group in forwardNumbers)",
                kind: .forwardWithoutNumber)
        },
        { config in
            guard config.businessHours != nil, (config.timezone ?? "").isEmpty else { return nil }
            return SettingProblem("timezone", "is required with businessHours: the hours are read on its clock")
        },
        { config in
            guard config.closedDates != nil, config.businessHours == nil else { return nil }
            return SettingProblem(
                "closedDates", "needs businessHours: a company without hours is always open, holidays included")
        },
        { config in
            guard config.smsMode == .autoReply && (config.smsAutoReply ?? "").isEmpty else { return nil }
            return SettingProblem("smsAutoReply", "is required when smsMode is auto-reply", kind: .smsUnworkable)
        },
        { config in
            guard config.smsMode == .forward && (config.smsForwardNumber ?? config.forwardNumber ?? "").isEmpty
            else { return nil }
            return SettingProblem(
                "smsForwardNumber", "is required when smsMode is forward and there is no forwardNumber",
                kind: .smsUnworkable)
        },
        // Twilio signs every webhook with the account's token: while a number answers,
        // the company needs its account and token.
        { config in
            guard config.hasActiveNumbers && config.authToken == nil else { return nil }
            return SettingProblem(
                "authToken", "is required while any number is active: it verifies Twilio's requests",
                kind: .missingCredentials)
        },
        { config in
            guard config.hasActiveNumbers && (config.accountSid ?? "").isEmpty else { return nil }
            return SettingProblem("accountSid", "is required while any number is active", kind: .missingCredentials)
        },
    ]

    /// The settings answering a webhook needs: the snapshot's.
    public static let webhook = all.filter { $0.webhook }
    /// The settings answering a webhook does not need: left out of the snapshot.
    static let notWebhook = all.filter { !$0.webhook }
    /// The settings a `PUT` changes.
    public static let editable = all.filter { $0.access == .editable }
    /// The names a `PUT` may send back and that are ignored: the read-only settings and
    /// the view's `has…` flags.
    public static let readOnlyNames: Set<String> = Set(
        all.filter { $0.access == .readOnly }.map { $0.name } + all.compactMap { $0.presenceFlag })

    // MARK: The rules' building blocks

    typealias Rule<Value> = @Sendable (Value, TwilioConfig) -> [SettingProblem]

    /// A problem with the setting itself; the validator puts the setting's name to it (and
    /// before a field starting with `.`, which names a part of the setting).
    static func problem(_ message: String, kind: SettingProblem.Kind = .invalidSetting) -> SettingProblem {
        SettingProblem("", message, kind: kind)
    }

    /// `one`'s problems, or when it finds none, `other`'s.
    static func first<Value>(_ one: @escaping Rule<Value>, _ other: @escaping Rule<Value>) -> Rule<Value> {
        { value, config in
            let problems = one(value, config)
            return problems.isEmpty ? other(value, config) : problems
        }
    }

    /// A rule for a value that is there; an absent one passes.
    static func present<Value>(_ rule: @escaping @Sendable (Value, TwilioConfig) -> [SettingProblem]) -> Rule<Value?> {
        { value, config in value.map { rule($0, config) } ?? [] }
    }

    /// A Twilio id: `prefix` and 32 hex digits.
    static func sid(_ prefix: String) -> Rule<String?> {
        present { sid, _ in
            TwilioSID.isValid(sid, prefix: prefix)
                ? [] : [problem("must be \(prefix) followed by 32 hexadecimal digits")]
        }
    }

    /// A secret given in clear must look like one; a sealed one was checked when sealed.
    static func clearSecret(_ message: String, _ isValid: @escaping @Sendable (String) -> Bool) -> Rule<StoredSecret?> {
        present { secret, _ in
            guard case .plaintext(let text) = secret, !isValid(text) else { return [] }
            return [problem(message)]
        }
    }

    /// A whole number within `range`.
    static func whole(in range: ClosedRange<Int>, _ what: String) -> Rule<Int?> {
        present { value, _ in
            range.contains(value) ? [] : [problem("must be \(what) from \(range.lowerBound) to \(range.upperBound)")]
        }
    }

    /// A mode Switchboard knows.
    static func known<Mode: SettingMode>(kind: SettingProblem.Kind = .invalidSetting) -> Rule<Mode?> {
        present { mode, _ in mode.isKnown ? [] : [problem("must be one of \(Mode.knownNames)", kind: kind)] }
    }

    /// Text spoken or sent: at most `maximum` characters, no control characters but line breaks.
    static func text(minimum: Int = 0, maximum: Int) -> Rule<String?> {
        present { text, _ in
            guard
                text.count < minimum || text.count > maximum || text.containsControlCharacters(allowingLineBreaks: true)
            else { return [] }
            let length = minimum > 0 ? "\(minimum)-\(maximum)" : "at most \(maximum)"
            return [problem("must be \(length) characters without control characters")]
        }
    }

    /// A list of at most ``SettingList/maximumCount`` different entries, each of which
    /// `entry` finds nothing wrong with (or names what is): one problem, naming each
    /// entry that is wrong by its place.
    static func listRule(
        maximum: Int = SettingList.maximumCount, _ entry: @escaping @Sendable (String, TwilioConfig) -> String?
    ) -> Rule<SettingList?> {
        present { list, config in
            if list.items.count > maximum {
                return [problem("takes at most \(maximum) entries")]
            }
            var seen: Set<String> = []
            var wrong: [String] = []
            for (index, item) in list.items.enumerated() {
                if item.containsControlCharacters(allowingLineBreaks: false) {
                    wrong.append("entry \(index + 1): holds a line break or another control character")
                } else if let why = entry(item, config) {
                    wrong.append("entry \(index + 1): \(why)")
                } else if !seen.insert(item).inserted {
                    wrong.append("entry \(index + 1): \"\(item.prefix(60))\" is listed twice")
                }
            }
            // One problem naming every entry: the config API shows one a field.
            return wrong.isEmpty ? [] : [problem(wrong.joined(separator: "; "))]
        }
    }

    /// A list of phone numbers, read in any spelling and kept in E.164 (what is no number
    /// is kept as given, for the validator to name); an empty list is none.
    static let phoneNumbersInput: @Sendable (JSONValue) -> Result<SettingList?, SettingInputError> = { json in
        SettingList?.reading(json).map { list in
            guard let list, !list.items.isEmpty else { return nil }
            return SettingList(list.items.map { (try? PhoneNumber(parsing: $0))?.e164 ?? $0 })
        }
    }

    /// A setting holding one phone number: read in any spelling, stored and shown in
    /// E.164 (`migrate` rewrites an older spelling), and a phone number.
    @inline(__always)
    static func phoneNumber(
        _ name: String, _ get: @escaping @Sendable (TwilioConfig) -> String?,
        _ set: @escaping @Sendable (inout TwilioConfig, String?) -> Void, webhook: Bool = false,
        kind: SettingProblem.Kind = .invalidSetting, also: Rule<String?>? = nil
    ) -> CompanySetting {
        CompanySetting(
            name, get, set, webhook: webhook, input: phoneNumberInput, show: { number, _, _ in e164(number) },
            rewriteToE164: { config in
                guard let text = get(config), let number = try? PhoneNumber(parsing: text),
                    number.e164 != text
                else { return nil }
                set(&config, number.e164)
                return text
            }, rule: also.map { first(phoneNumberRule(kind: kind), $0) } ?? phoneNumberRule(kind: kind))
    }

    /// A number that parses as a phone number.
    static func phoneNumberRule(kind: SettingProblem.Kind = .invalidSetting) -> Rule<String?> {
        present { text, _ in
            do {
                _ = try PhoneNumber(parsing: text)
                return []
            } catch {
                return [problem("\"\(text.prefix(40))\" is not a phone number: it \(error)", kind: kind)]
            }
        }
    }

    /// A forward number that is not one of the company's own.
    static func notOwnNumber(_ consequence: String) -> Rule<String?> {
        present { text, config in
            guard let number = try? PhoneNumber(parsing: text), config.holds(number) else { return [] }
            return [problem("\(number) is one of this company's own numbers; \(consequence)")]
        }
    }

    /// The config API reads a number in any spelling and keeps it in E.164; what is no
    /// number is kept as given, for the validator to name.
    static let phoneNumberInput: @Sendable (JSONValue) -> Result<String?, SettingInputError> = { json in
        String?.reading(json).map { text in text.map { (try? PhoneNumber(parsing: $0))?.e164 ?? $0 } }
    }

    static func e164(_ text: String?) -> JSONValue {
        guard let text else { return .null }
        return .string((try? PhoneNumber(parsing: text))?.e164 ?? text)
    }

    /// A time: a BSON date in MongoDB, ISO 8601 text in the embedded store, read as either;
    /// shown in Switchboard's one format, and only while `companion` holds when given.
    @inline(__always)
    static func time(
        _ name: String, _ get: @escaping @Sendable (TwilioConfig) -> String?,
        _ set: @escaping @Sendable (inout TwilioConfig, String?) -> Void,
        shownWhile companion: (@Sendable (TwilioConfig) -> Bool)? = nil
    ) -> CompanySetting {
        CompanySetting(
            name, get, set, access: .readOnly, webhook: name != "lastUpdated",
            show: { time, config, _ in
                if let companion, !companion(config) { return .null }
                return time.map { .string(Timestamp.canonical($0)) } ?? .null
            },
            store: { time in time.map(MongoValue.date) },
            decode: { container, key in
                if let text = try? container.decodeIfPresent(String.self, forKey: key) { return text }
                return try? container.decodeIfPresent(ExtendedDate.self, forKey: key)?.text
            })
    }

    /// What is wrong with `afterHours`: each setting it holds checked by that setting's own
    /// rule, as it would apply when the company is closed (`afterHours.forwardNumber …`).
    static func afterHoursProblems(_ afterHours: AfterHours, _ config: TwilioConfig) -> [SettingProblem] {
        let closed = afterHours.applied(to: config)
        var problems: [SettingProblem] = []
        for name in afterHours.setNames {
            guard let setting = all.first(where: { $0.name == name }) else { continue }
            for found in setting.check(closed) {
                problems.append(SettingProblem("." + name + found.field, found.message, kind: found.kind))
            }
        }
        for rule in betweenSettings {
            guard let found = rule(closed),
                afterHours.setNames.contains(found.field)
                    || found.field == "forwardNumber"
                        && afterHours.values.callRoutingMode == .forward
            else { continue }
            problems.append(SettingProblem("." + found.field, found.message + " after hours", kind: found.kind))
        }
        return problems
    }

    static func sharedKeyShown(_ key: WebhookSharedKey?, _ masking: SecretMasking) -> JSONValue {
        guard let key else { return .null }
        return .object([
            "sid": .string(key.sid), "algorithm": .string(key.algorithm),
            "secret": .string(masking(key.secret, .webhookSharedKey)),
            "settingId": key.settingId.map(JSONValue.string) ?? .null,
            "ruleIds": .array(key.ruleIds.map(JSONValue.string)),
        ])
    }
}

extension TwilioConfig: Codable {
    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: SettingKey.self)
        for setting in CompanySettings.all { try setting.decode(container, &self) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: SettingKey.self)
        for setting in CompanySettings.all { try setting.encode(self, &container) }
    }

    /// True when `number` is one of the company's own, in either field, active or not.
    func holds(_ number: PhoneNumber) -> Bool {
        if let legacy = phoneNumber, (try? PhoneNumber(parsing: legacy)) == number { return true }
        return phoneNumbers.contains { (try? PhoneNumber(parsing: $0.phoneNumber)) == number }
    }

    /// True when any number (the legacy field, or a list entry marked active) answers
    /// calls: one that is a phone number.
    public var hasActiveNumbers: Bool {
        if let legacy = phoneNumber, (try? PhoneNumber(parsing: legacy)) != nil { return true }
        return phoneNumbers.contains {
            !$0.isWhatsApp && $0.isActive && (try? PhoneNumber(parsing: $0.phoneNumber)) != nil
        }
    }
}

extension PhoneNumberEntry {
    /// The most numbers one company may list.
    public static let maximumNumbers = 100
    /// The longest friendly name of a number.
    public static let maximumFriendlyNameLength = 64

    /// The list's rules: each number a phone number listed once, a short friendly name,
    /// `active` or `inactive`, at most one primary.
    static let rules: CompanySettings.Rule<[PhoneNumberEntry]> = { entries, _ in
        var problems: [SettingProblem] = []
        if entries.count > maximumNumbers {
            problems.append(SettingProblem("phoneNumbers", "may list at most \(maximumNumbers) numbers"))
        }
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let path = "phoneNumbers[\(index)]"
            if let channel = entry.channel, channel != MessageChannel.whatsapp.rawValue {
                problems.append(
                    SettingProblem(
                        path + ".channel", "must be whatsapp (a WhatsApp sender), or absent for calls and texts"))
            }
            do {
                let number = try PhoneNumber(parsing: entry.phoneNumber)
                if !seen.insert((entry.isWhatsApp ? "w" : "n") + number.e164).inserted {
                    problems.append(
                        SettingProblem(
                            path + ".phoneNumber",
                            entry.isWhatsApp
                                ? "\(number) is listed twice as a WhatsApp sender" : "\(number) is listed twice"))
                }
            } catch {
                problems.append(
                    SettingProblem(
                        path + ".phoneNumber", "\"\(entry.phoneNumber.prefix(40))\" is not a phone number: it \(error)",
                        kind: .invalidNumber))
            }
            if let name = entry.friendlyName,
                name.count > maximumFriendlyNameLength || name.containsControlCharacters(allowingLineBreaks: false)
            {
                problems.append(
                    SettingProblem(
                        path + ".friendlyName",
                        "must be at most \(maximumFriendlyNameLength) characters without control characters"))
            }
            if let status = entry.status, status != "active" && status != "inactive" {
                problems.append(SettingProblem(path + ".status", "must be active or inactive"))
            }
        }
        for whatsApp in [false, true] {
            let primaries = entries.filter { $0.isPrimary == true && $0.isWhatsApp == whatsApp }.count
            if primaries > 1 {
                problems.append(
                    SettingProblem(
                        "phoneNumbers",
                        "at most one \(whatsApp ? "WhatsApp sender" : "number") may be marked isPrimary (\(primaries) are)"
                    ))
            }
        }
        return problems
    }
}

extension WebhookSharedKey {
    /// A SharedKey's rules: Twilio's id, an algorithm Switchboard checks, a secret.
    static let rules: CompanySettings.Rule<WebhookSharedKey?> = CompanySettings.present { key, _ in
        guard WebhookSharedKey.isValidSid(key.sid) else {
            return [SettingProblem(".sid", "must be a SharedKey id (letters, digits and _)")]
        }
        guard WebhookSignatureAlgorithm(rawValue: key.algorithm) != nil else {
            return [SettingProblem(".algorithm", "must be HMAC_SHA256 or HMAC_SHA1")]
        }
        if case .plaintext(let secret) = key.secret, secret.isEmpty || secret.utf8.count > 512 {
            return [SettingProblem(".secret", "must be 1-512 characters")]
        }
        return []
    }
}
