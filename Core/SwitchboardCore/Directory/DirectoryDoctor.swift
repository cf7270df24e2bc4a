/// Examines every company in a directory for what breaks Switchboard's rules, the way an
/// operator pointing Switchboard at an existing database needs to know before going live.
public struct DirectoryDoctor {
    /// One problem found. Findings name companies and numbers, never secrets.
    public struct Finding: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            /// One number held by more than one company (in either field, any spelling).
            case duplicateNumber = "duplicate-number"
            /// A number stored in another spelling than E.164 (migrate rewrites it).
            case notE164 = "not-e164"
            /// A stored spelling the directory's lookup cannot match: calls to that number
            /// find no company until migrate rewrites it.
            case unmatchedSpelling = "unmatched-spelling"
            /// A number that is not a phone number at all.
            case invalidNumber = "invalid-number"
            /// An auth token or API secret stored in clear (migrate seals it).
            case plaintextSecret = "plaintext-secret"
            /// A company with numbers but no Account SID or auth token: its calls cannot be verified.
            case missingCredentials = "missing-credentials"
            /// Forward mode with no forward number: its calls go to voicemail.
            case forwardWithoutNumber = "forward-without-number"
            /// SMS settings that cannot work: an unknown mode, auto-reply without a text,
            /// forward without a number. Those messages get no answer.
            case smsUnworkable = "sms-unworkable"
            /// A secret that opens only under a key in SWITCHBOARD_DATA_KEY_PREVIOUS: run
            /// `switchboard reseal` before retiring that key.
            case previousKey = "previous-key"
            /// A secret no configured key opens: its calls cannot be verified.
            case unknownKey = "unknown-key"
            /// A document that is not a company Switchboard can read.
            case unreadableDocument = "unreadable-document"
            /// A setting that breaks its rule (``CompanyValidator``): saving the company
            /// as it is would be refused.
            case invalidSetting = "invalid-setting"

            /// How the doctor reports what the validator found.
            init(_ kind: SettingProblem.Kind) {
                switch kind {
                case .invalidSetting: self = .invalidSetting
                case .invalidNumber: self = .invalidNumber
                case .missingCredentials: self = .missingCredentials
                case .forwardWithoutNumber: self = .forwardWithoutNumber
                case .smsUnworkable: self = .smsUnworkable
                }
            }
        }

        public let kind: Kind
        public let companyIDs: [String]
        public let detail: String
    }

    private let lookupFinds: (PhoneNumber, String) -> Bool
    private let sealer: SecretSealer?

    /// A doctor for a directory whose lookup finds a number stored in a spelling when
    /// `lookupFinds(number, spelling)` says so (the embedded store finds every spelling;
    /// MongoDB's lookup only E.164 and `+1-555-123-4567`). With `sealer`, it also says
    /// which sealed secrets need a previous key, or a key it does not have.
    public init(lookupFinds: @escaping (PhoneNumber, String) -> Bool = { _, _ in true }, sealer: SecretSealer? = nil) {
        self.lookupFinds = lookupFinds
        self.sealer = sealer
    }

    /// Every finding for what `survey` found, duplicates first, unreadable documents last.
    public func examine(_ survey: DirectorySurvey) -> [Finding] {
        examine(survey.companies)
            + survey.unreadable.map { document in
                Finding(
                    kind: .unreadableDocument, companyIDs: document.id.map { [$0] } ?? [],
                    detail: String(document.reason.prefix(200)))
            }
    }

    /// Every finding for `companies`, duplicates first.
    public func examine(_ companies: [Company]) -> [Finding] {
        var findings: [Finding] = []
        var holders: [PhoneNumber: Set<CompanyID>] = [:]
        for company in companies {
            for number in company.allNumbers { holders[number, default: []].insert(company.id) }
        }
        for (number, ids) in holders.sorted(by: { $0.key < $1.key }) where ids.count > 1 {
            findings.append(
                Finding(
                    kind: .duplicateNumber, companyIDs: ids.map(\.rawValue).sorted(),
                    detail: "\(number) is held by \(ids.count) companies"))
        }
        for company in companies {
            let id = [company.id.rawValue]
            let config = company.twilio
            let stored = (config.phoneNumber.map { [$0] } ?? []) + config.phoneNumbers.map(\.phoneNumber)
            for text in stored {
                do {
                    let number = try PhoneNumber(parsing: text)
                    if number.e164 != text {
                        findings.append(
                            Finding(
                                kind: .notE164, companyIDs: id, detail: "\"\(text.prefix(40))\" is stored for \(number)"
                            ))
                    }
                    if !lookupFinds(number, text) {
                        findings.append(
                            Finding(
                                kind: .unmatchedSpelling, companyIDs: id,
                                detail:
                                    "\"\(text.prefix(40))\" cannot be matched by the lookup: calls to \(number) find no company until `switchboard migrate --apply` stores it as \(number)"
                            ))
                    }
                } catch {
                    // The validator names it (invalid-number), below.
                }
            }
            if let token = config.authToken, !token.isSealed {
                findings.append(Finding(kind: .plaintextSecret, companyIDs: id, detail: "authToken is stored in clear"))
            }
            if let secret = config.apiSecret, !secret.isSealed {
                findings.append(Finding(kind: .plaintextSecret, companyIDs: id, detail: "apiSecret is stored in clear"))
            }
            if let key = config.webhookSharedKey, !key.secret.isSealed {
                findings.append(
                    Finding(
                        kind: .plaintextSecret, companyIDs: id, detail: "webhookSharedKey.secret is stored in clear"))
            }
            if let sealer {
                let sealed: [(SecretField, StoredSecret?)] = [
                    (.authToken, config.authToken), (.authTokenPrevious, config.authTokenPrevious),
                    (.apiSecret, config.apiSecret),
                    (.webhookSharedKey, config.webhookSharedKey?.secret),
                    (.webhookSharedKey, config.webhookSharedKeyPrevious?.secret),
                ]
                for (field, secret) in sealed {
                    guard let secret, secret.isSealed else { continue }
                    switch sealer.keyStatus(of: secret, companyID: company.id.rawValue, field: field) {
                    case .previous(let keyID):
                        findings.append(
                            Finding(
                                kind: .previousKey, companyIDs: id,
                                detail:
                                    "\(field.rawValue) opens only under the previous key id \(keyID): run `switchboard reseal` before retiring it"
                            ))
                    case .unknownKey(let keyID), .doesNotOpen(let keyID):
                        findings.append(
                            Finding(
                                kind: .unknownKey, companyIDs: id,
                                detail:
                                    "\(field.rawValue) is sealed under key id \(keyID), which no configured key opens"))
                    default:
                        break
                    }
                }
            }
            // What saving the company as it is would be refused for: the validator's rules.
            for problem in CompanyValidator.problems(of: company) {
                findings.append(
                    Finding(kind: Finding.Kind(problem.kind), companyIDs: id, detail: problem.description))
            }
        }
        return findings
    }
}

/// Brings an existing database up to Switchboard's rules: numbers rewritten to E.164,
/// secrets sealed, unique indexes created. Refuses while a number is held twice (which
/// company keeps it is a person's decision). Running it again finds nothing to do.
///
/// What only a person can decide (a forward mode with no number, a malformed setting) it
/// leaves as it is and names, with ``CompanyValidator``'s words, as `doctor` does; a
/// secret the validator refuses is not sealed, so `doctor` still sees it.
public struct DirectoryMigration {
    /// What migrating one company changes.
    public struct Change: Sendable, Equatable, Codable {
        public let companyID: String
        public let actions: [String]
        /// What the company still breaks once migrated: the validator's problems.
        public let unresolved: [String]
    }

    /// Why the migration will not run.
    public struct Refusal: Error, CustomStringConvertible {
        public let duplicates: [DirectoryDoctor.Finding]
        public var description: String {
            "numbers are held by more than one company; decide who keeps each, then migrate: "
                + duplicates.map { "\($0.detail) (\($0.companyIDs.joined(separator: ", ")))" }.joined(separator: "; ")
        }
    }

    private let sealer: SecretSealer

    public init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The changes `companies` need, and each company as it will be stored.
    ///
    /// - Throws: ``Refusal`` when a number is held by more than one company.
    public func plan(_ companies: [Company]) throws(Refusal) -> [(change: Change, migrated: Company)] {
        let duplicates = DirectoryDoctor().examine(companies).filter { $0.kind == .duplicateNumber }
        guard duplicates.isEmpty else { throw Refusal(duplicates: duplicates) }
        var plan: [(Change, Company)] = []
        for company in companies {
            var migrated = company
            var actions: [String] = []
            let refused = Set(CompanyValidator.problems(of: company).map(\.field))
            // Each setting holding one number, as declared; then the list's entries.
            for setting in CompanySettings.all {
                guard let before = setting.rewriteToE164?(&migrated.twilio) else { continue }
                let after = (try? PhoneNumber(parsing: before))?.e164 ?? before
                actions.append("\(setting.name) \"\(before.prefix(40))\" → \(after)")
            }
            for (index, entry) in company.twilio.phoneNumbers.enumerated() {
                if let number = try? PhoneNumber(parsing: entry.phoneNumber), number.e164 != entry.phoneNumber {
                    migrated.twilio.phoneNumbers[index].phoneNumber = number.e164
                    actions.append("phoneNumbers[\(index)] \"\(entry.phoneNumber.prefix(40))\" → \(number)")
                }
            }
            if case .plaintext(let token)? = company.twilio.authToken, !refused.contains("authToken") {
                migrated.twilio.authToken = .sealed(
                    sealer.seal(token, companyID: company.id.rawValue, field: .authToken))
                actions.append("seal authToken")
            }
            if case .plaintext(let secret)? = company.twilio.apiSecret, !refused.contains("apiSecret") {
                migrated.twilio.apiSecret = .sealed(
                    sealer.seal(secret, companyID: company.id.rawValue, field: .apiSecret))
                actions.append("seal apiSecret")
            }
            if let key = company.twilio.webhookSharedKey, case .plaintext(let secret) = key.secret,
                !refused.contains("webhookSharedKey.secret")
            {
                migrated.twilio.webhookSharedKey?.secret = .sealed(
                    sealer.seal(secret, companyID: company.id.rawValue, field: .webhookSharedKey))
                actions.append("seal webhookSharedKey.secret")
            }
            if !actions.isEmpty {
                let unresolved = CompanyValidator.problems(of: migrated).map(\.description)
                plan.append(
                    (Change(companyID: company.id.rawValue, actions: actions, unresolved: unresolved), migrated))
            }
        }
        return plan
    }
}
