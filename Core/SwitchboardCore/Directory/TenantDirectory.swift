/// Where companies and their Twilio settings live: MongoDB in production, one SQLite
/// file embedded for local use. Every backend passes the same contract tests.
///
/// Rules every backend keeps:
/// - numbers are matched in E.164, whatever spelling a document stores;
/// - a number belongs to at most one company, in either the legacy field or the list,
///   active or not, enforced by the store itself (a unique constraint), not by a check
///   that a race could slip past;
/// - numbers are stored in E.164: `save` normalises every spelling it is given, so the
///   unique constraints hold whatever spelling a caller used;
/// - secrets are stored sealed: `save` refuses a company holding a plaintext secret.
///
/// A directory is used from one thread at a time (a function process handles one
/// invocation at a time), so implementations need not be thread-safe.
public protocol TenantDirectory: AnyObject {
    /// The webhook snapshot of the company whose *active* number is `number`, or `nil`
    /// when no company answers it: the settings ``CompanySettings`` declares `webhook`,
    /// on every backend (MongoDB reads only those).
    func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot?

    /// The webhook snapshot of the company whose *active* WhatsApp sender is `number`
    /// (a `phoneNumbers` entry with `channel: "whatsapp"`), or `nil`.
    func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot?

    /// The company with id `id`, or `nil`.
    func company(id: CompanyID) throws(DirectoryError) -> Company?

    /// The id of the company holding `number` in either field, active or not, or `nil`:
    /// who a save claiming it would collide with.
    func companyID(holding number: PhoneNumber) throws(DirectoryError) -> CompanyID?

    /// Creates or replaces a company.
    ///
    /// - Throws: ``DirectoryError/numberTaken(_:)`` when another company holds one of
    ///   its numbers; ``DirectoryError/invalidCompany(_:)`` when a number is not E.164
    ///   or a secret is not sealed. Nothing is written when it throws.
    func save(_ company: Company) throws(DirectoryError)

    /// Replaces a company only while it is still stored as `expected`: a compare-and-set,
    /// so two people editing one company at once never silently overwrite each other.
    ///
    /// - Throws: ``DirectoryError/changedMeanwhile(_:)`` when the stored company is no
    ///   longer `expected` (or is gone), and whatever ``save(_:)`` throws. Nothing is
    ///   written when it throws.
    func save(_ company: Company, replacing expected: Company) throws(DirectoryError)

    /// Every company, ordered by id.
    func allCompanies() throws(DirectoryError) -> [Company]

    /// At most `limit` companies whose id comes after `after` (from the first when
    /// `nil`), ordered by id: one page of a listing.
    func companies(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company]

    /// At most `limit` companies holding both an Account SID and an auth token, the
    /// earliest `lastUpdated` first (none counts as earliest), then by id: the ones whose
    /// credentials the platform check asks Twilio with. Answered from an index, so it
    /// costs the same for twenty companies or twenty thousand.
    func companiesWithTwilioCredentials(limit: Int) throws(DirectoryError) -> [Company]

    /// At most `limit` companies, after `after` and ordered by id, that keep their
    /// recordings a limited time (`recordingRetentionDays`): the ones the retention pass
    /// visits. Answered from an index on MongoDB.
    func companiesWithRecordingRetention(after: CompanyID?, limit: Int) throws(DirectoryError) -> [Company]

    /// Every company that can be read, and what could not be: for `doctor` and `migrate`,
    /// which must not stop at one bad document in a database another system wrote.
    func survey() throws(DirectoryError) -> DirectorySurvey

    /// Whether a call to `number` finds a document storing it spelled `stored`: `doctor`
    /// names every stored spelling the lookup would miss.
    func lookupFinds(_ number: PhoneNumber, storedAs stored: String) -> Bool
}

/// What a directory holds, as far as it can be read.
public struct DirectorySurvey: Sendable {
    /// The companies that decoded.
    public var companies: [Company]
    /// The documents that did not: their id when it could be read, and why.
    public var unreadable: [(id: String?, reason: String)]

    public init(companies: [Company], unreadable: [(id: String?, reason: String)] = []) {
        self.companies = companies
        self.unreadable = unreadable
    }
}

extension TenantDirectory {
    /// A store that validates on write (the embedded one) holds nothing unreadable.
    public func survey() throws(DirectoryError) -> DirectorySurvey {
        DirectorySurvey(companies: try allCompanies())
    }

    /// A store that indexes numbers in E.164 (the embedded one) finds every spelling.
    public func lookupFinds(_ number: PhoneNumber, storedAs stored: String) -> Bool { true }
}

/// Why a directory operation failed. Messages name numbers and ids, never secrets, and
/// never which *other* company holds a number.
public enum DirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another company already holds this number.
    case numberTaken(PhoneNumber)
    /// The company breaks a rule of the data model; the text says which.
    case invalidCompany(String)
    /// A stored document could not be read as a company.
    case unreadableDocument(CompanyID?, String)
    /// The store could not be reached or failed; the text says how.
    case unavailable(String)
    /// A conditional save found the company changed (or gone) since it was read.
    case changedMeanwhile(CompanyID)

    public var description: String {
        switch self {
        case .numberTaken(let number): "phone number \(number) already belongs to another company"
        case .invalidCompany(let why): "company is invalid: \(why)"
        case .unreadableDocument(let id, let why): "stored company \(id?.rawValue ?? "?") cannot be read: \(why)"
        case .unavailable(let why): "directory unavailable: \(why)"
        case .changedMeanwhile(let id): "company \(id) was changed by someone else since it was read"
        }
    }
}

extension Company {
    /// Checks the rules every backend enforces before writing: numbers parse as E.164
    /// and secrets are sealed.
    func validateForStorage() throws(DirectoryError) {
        if let (stored, reason) = invalidNumbers.first {
            throw .invalidCompany("phone number \"\(stored.prefix(40))\" \(reason)")
        }
        if let token = twilio.authToken, !token.isSealed {
            throw .invalidCompany("authToken must be sealed before it is stored")
        }
        if let secret = twilio.apiSecret, !secret.isSealed {
            throw .invalidCompany("apiSecret must be sealed before it is stored")
        }
        if let previous = twilio.authTokenPrevious, !previous.isSealed {
            throw .invalidCompany("authTokenPrevious must be sealed before it is stored")
        }
    }
}
