import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard seed <file>`: loads companies into the configured store.
struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Create or update companies from a JSON file of v2companies documents.",
        discussion: """
            The file holds an array of documents shaped like MongoDB's v2companies \
            collection (see Examples/companies.json). An _id (24 hex digits, or \
            {"$oid": …}) is kept as the company's id; a company without one gets a new id. \
            Secrets given in clear are sealed with SWITCHBOARD_DATA_KEY before they are \
            stored. A company that exists is updated through the same save path a \
            configuration change uses. The file is one change: a number may move between \
            companies of the file, wherever they stand in it; a number held by a company \
            the file leaves holding it is refused, naming that company, and then nothing \
            is saved.
            """
    )

    @Argument(help: "The JSON file of company documents.")
    var file: String

    func run() throws {
        let environment = Environment()
        let sealer = try Settings.sealer(environment)
        let store = try Settings.store(environment).open()
        let directory = store.directory
        let cache = try CacheSettings.fromEnvironment(environment).map { settings in
            RedisTenantCache(
                settings: settings,
                logger: Logger(label: "switchboard.seed") { LogLineHandler(label: $0, level: .warning) })
        }
        let writer = CompanySettingsWriter(store: store, sealer: sealer, cache: cache)

        let documents = try Self.readDocuments(file)
        var companies: [Company] = []
        var problems: [String] = []
        for (index, document) in documents.enumerated() {
            let label = (document["companyName"] as? String).map { "\"\($0.prefix(60))\"" } ?? "entry \(index + 1)"
            do { companies.append(try Self.company(from: document)) } catch { problems.append("\(label): \(error)") }
        }
        let saved: [CompanySettingsWriter.Saved]
        do {
            guard problems.isEmpty else { throw CompanyBatch.Refusal(problems: problems) }
            saved = try CompanyBatch(directory: directory, writer: writer).save(
                companies, updatedBy: "switchboard seed")
        } catch {
            let reasons = (error as? CompanyBatch.Refusal)?.problems ?? ["\(error)"]
            for reason in reasons { FileHandle.standardError.write(Data("switchboard seed: \(reason)\n".utf8)) }
            FileHandle.standardError.write(
                Data("switchboard seed: nothing was saved: the file is applied as one change, all or nothing\n".utf8))
            print("0 of \(documents.count) companies saved to \(store)")
            throw ExitCode(1)
        }
        for result in saved {
            let stored = result.company
            let numbers = stored.numberClaims
            print(
                "seeded \(stored.id) \"\(stored.name.prefix(60))\": \(numbers.filter(\.isActive).count) of \(numbers.count) number\(numbers.count == 1 ? "" : "s") active, mode \(stored.twilio.callRoutingMode?.rawValue ?? "none")"
            )
            if !result.cacheInvalidated {
                FileHandle.standardError.write(
                    Data(
                        "switchboard seed: \"\(stored.name.prefix(60))\" saved, but the cache could not be told; it may answer with the old settings for up to \(cache?.settings.ttlSeconds ?? 0) s\n"
                            .utf8))
            }
        }
        print("\(saved.count) of \(documents.count) companies saved to \(store)")
    }

    static func readDocuments(_ path: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path)")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw CommandFailure("\(path) is not valid JSON")
        }
        guard let documents = parsed as? [[String: Any]] else {
            throw CommandFailure("\(path) must hold a JSON array of company documents")
        }
        return documents
    }

    static func company(from document: [String: Any]) throws -> Company {
        var document = document
        if document["_id"] == nil {
            var generator = SystemRandomNumberGenerator()
            document["_id"] = CompanyID.generate(now: UInt32(Date().timeIntervalSince1970), random: &generator).rawValue
        }
        let data = try JSONSerialization.data(withJSONObject: document)
        do {
            return try JSONDecoder().decode(Company.self, from: data)
        } catch let error as DecodingError {
            throw CommandFailure("not a company document: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "bad value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }
}
