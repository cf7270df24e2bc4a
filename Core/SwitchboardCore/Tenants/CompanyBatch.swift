#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Several companies saved as one change (`switchboard seed`): every number moving between
/// them planned together, all or nothing.
///
/// Saved one by one in file order, a number moving from one company of a file to another
/// would fail or succeed by position. Here the whole file is checked first — each company
/// valid, no number claimed twice in it, and every number it claims either free, already
/// the claimant's, or held by a company of the file that gives it up — and nothing is
/// written when anything is wrong. Then the companies that give up a number another one
/// takes are saved without it, and every company is saved as the file has it. Should a
/// save still fail (another writer got in between), the saves already made are undone.
public struct CompanyBatch {
    /// What the file asks for that cannot be done; nothing was written.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// Each problem, naming the company (and, for a number, the company holding it).
        public let problems: [String]
        public var description: String { problems.joined(separator: "; ") }

        public init(problems: [String]) {
            self.problems = problems
        }
    }

    private let directory: any TenantDirectory
    private let writer: CompanySettingsWriter

    /// A batch written through `writer` (which seals, stamps and invalidates the cache)
    /// to `directory`, which it also reads to plan the moves.
    public init(directory: any TenantDirectory, writer: CompanySettingsWriter) {
        self.directory = directory
        self.writer = writer
    }

    /// Checks `companies` together, then saves them all, or none.
    ///
    /// - Returns: what each save stored, in the order given.
    /// - Throws: ``Refusal`` listing every problem found before anything was written;
    ///   ``DirectoryError`` when a save failed and the ones before it were undone.
    public func save(_ companies: [Company], updatedBy: String) throws -> [CompanySettingsWriter.Saved] {
        let companies = companies.map { $0.normalizingNumbers() }
        var problems: [String] = []
        var seen: Set<CompanyID> = []
        for company in companies {
            if !seen.insert(company.id).inserted { problems.append("\(Self.name(company)) is listed twice") }
            do { try CompanyValidator.check(company) } catch { problems.append("\(Self.name(company)): \(error)") }
        }
        let stored = try Dictionary(
            uniqueKeysWithValues: Set(companies.map(\.id)).map { id throws(DirectoryError) in
                (id, try directory.company(id: id))
            })
        let claimants = Dictionary(
            grouping: companies.flatMap { company in company.allNumbers.map { ($0, company) } }, by: \.0)
        let inFile = Dictionary(companies.map { ($0.id, $0) }) { first, _ in first }
        var released: [CompanyID: Set<PhoneNumber>] = [:]
        for (number, claims) in claimants.sorted(by: { $0.key < $1.key }) {
            let claimers = claims.map(\.1)
            guard claimers.count == 1, let claimant = claimers.first else {
                problems.append(
                    "phone number \(number) is claimed by more than one company in the file: "
                        + claimers.map(Self.name).joined(separator: ", "))
                continue
            }
            guard let holder = try directory.companyID(holding: number), holder != claimant.id else { continue }
            if let leaving = inFile[holder], !leaving.allNumbers.contains(number) {
                released[holder, default: []].insert(number)
                continue
            }
            let holderName = (try? directory.company(id: holder)).flatMap { $0 }.map(Self.name) ?? "company \(holder)"
            problems.append(
                "\(Self.name(claimant)): phone number \(number) already belongs to another company: \(holderName), "
                    + (inFile[holder] == nil ? "which the file does not change" : "which the file leaves holding it"))
        }
        guard problems.isEmpty else { throw Refusal(problems: problems) }

        var undo: [Company] = []
        do {
            // First, each company that gives a number up lets it go, keeping its other settings as stored.
            for (id, numbers) in released.sorted(by: { $0.key < $1.key }) {
                guard let current = stored[id] ?? nil else { continue }
                try writer.save(Self.removing(numbers, from: current), updatedBy: updatedBy)
                undo.append(current)
            }
            var saved: [CompanySettingsWriter.Saved] = []
            for company in companies {
                let before = try directory.company(id: company.id)
                saved.append(try writer.save(company, updatedBy: updatedBy))
                if let before, !undo.contains(where: { $0.id == before.id }) { undo.append(before) }
            }
            return saved
        } catch {
            // Put back what was saved before the failure, most recent first.
            for previous in undo.reversed() {
                _ = try? writer.save(previous, updatedBy: updatedBy + " (undone)", endingTokenGracePeriod: false)
            }
            throw error
        }
    }

    /// `company` with `numbers` taken out of both of its number fields.
    static func removing(_ numbers: Set<PhoneNumber>, from company: Company) -> Company {
        var copy = company
        copy.twilio.phoneNumbers.removeAll { entry in
            (try? PhoneNumber(parsing: entry.phoneNumber)).map(numbers.contains) ?? false
        }
        if let legacy = copy.twilio.phoneNumber, let number = try? PhoneNumber(parsing: legacy),
            numbers.contains(number)
        {
            copy.twilio.phoneNumber = nil
        }
        return copy
    }

    /// How a problem names a company: its name and id.
    static func name(_ company: Company) -> String {
        "\"\(company.name.prefix(60))\" (\(company.id))"
    }
}
