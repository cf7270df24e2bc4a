/// The one set of rules a company's settings must meet: each setting's own rule and the
/// rules between settings, as ``CompanySettings`` declares them.
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
        problems += CompanySettings.betweenSettings.compactMap { $0(config) }
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
        if problem.field.hasPrefix(".") || problem.field.hasPrefix("[") {
            return SettingProblem(name + problem.field, problem.message, kind: problem.kind)
        }
        return problem
    }
}
