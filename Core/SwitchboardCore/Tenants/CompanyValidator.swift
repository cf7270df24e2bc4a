/// The one set of rules a company's settings must meet: each setting's own rule, as
/// ``CompanySettings/all`` declares it, and the rules between settings.
///
/// `seed`, the config API (`PUT`), `rotate-token` and every other save go through
/// ``CompanySettingsWriter``, which refuses what this finds; `doctor` reports the same
/// problems for what is already stored, and `migrate` names the ones it cannot fix. So
/// what one accepts the others accept, and the doctor does not flag it.
public enum CompanyValidator {
    /// The longest company name, in characters.
    public static let maximumNameLength = 200

    /// Every problem with `company`, at most one per field, in the order of the
    /// declaration; empty when it may be saved.
    public static func problems(of company: Company) -> [SettingProblem] {
        var problems: [SettingProblem] = []
        if company.name.isEmpty || company.name.count > maximumNameLength
            || company.name.containsControlCharacters(allowingLineBreaks: false)
        {
            problems.append(
                SettingProblem("companyName", "must be 1-\(maximumNameLength) characters without control characters"))
        }
        let config = company.twilio
        for setting in CompanySettings.all {
            for problem in setting.check(config) {
                problems.append(named(problem, setting.name))
            }
        }
        problems += betweenSettings(config)
        return ordered(problems)
    }

    /// Refuses `company` with its first problem.
    ///
    /// - Throws: ``DirectoryError/invalidCompany(_:)`` naming the field and the rule.
    public static func check(_ company: Company) throws(DirectoryError) {
        if let first = problems(of: company).first { throw .invalidCompany(first.description) }
    }

    /// `problems` with one per field (the first), ordered as the settings are declared
    /// (the company's name first, fields that are no setting last).
    public static func ordered(_ problems: [SettingProblem]) -> [SettingProblem] {
        var seen: Set<String> = []
        let unique = problems.filter { seen.insert($0.field).inserted }
        let order = Dictionary(
            CompanySettings.all.enumerated().map { ($0.element.name, $0.offset + 1) }, uniquingKeysWith: { a, _ in a })
        func rank(_ problem: SettingProblem) -> Int {
            if problem.field == "companyName" { return 0 }
            let root = problem.field.prefix { $0 != "." && $0 != "[" }
            return order[String(root)] ?? Int.max
        }
        return unique.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(
            \.element)
    }

    private static func named(_ problem: SettingProblem, _ name: String) -> SettingProblem {
        if problem.field.isEmpty { return SettingProblem(name, problem.message, kind: problem.kind) }
        if problem.field.hasPrefix(".") {
            return SettingProblem(name + problem.field, problem.message, kind: problem.kind)
        }
        return problem
    }

    /// What one setting asks of another.
    static func betweenSettings(_ config: TwilioConfig) -> [SettingProblem] {
        var problems: [SettingProblem] = []
        if config.apiKey != nil && config.apiSecret == nil {
            problems.append(SettingProblem("apiSecret", "is required with apiKey"))
        }
        if config.apiKey == nil && config.apiSecret != nil {
            problems.append(SettingProblem("apiKey", "is required with apiSecret"))
        }
        if config.callRoutingMode == .forward && (config.forwardNumber ?? "").isEmpty {
            problems.append(
                SettingProblem(
                    "forwardNumber", "is required when callRoutingMode is forward", kind: .forwardWithoutNumber))
        }
        if config.smsMode == .autoReply && (config.smsAutoReply ?? "").isEmpty {
            problems.append(
                SettingProblem("smsAutoReply", "is required when smsMode is auto-reply", kind: .smsUnworkable))
        }
        if config.smsMode == .forward && (config.smsForwardNumber ?? config.forwardNumber ?? "").isEmpty {
            problems.append(
                SettingProblem(
                    "smsForwardNumber", "is required when smsMode is forward and there is no forwardNumber",
                    kind: .smsUnworkable))
        }
        // Twilio signs every webhook with the account's token: while a number answers,
        // the company needs its account and token.
        if config.hasActiveNumbers {
            if config.authToken == nil {
                problems.append(
                    SettingProblem(
                        "authToken", "is required while any number is active: it verifies Twilio's requests",
                        kind: .missingCredentials))
            }
            if (config.accountSid ?? "").isEmpty {
                problems.append(
                    SettingProblem("accountSid", "is required while any number is active", kind: .missingCredentials))
            }
        }
        return problems
    }
}
