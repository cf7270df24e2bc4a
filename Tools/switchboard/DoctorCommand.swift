import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard doctor`: what in the configured store breaks Switchboard's rules.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Report numbers held twice, numbers not in E.164, plaintext or unopenable secrets, and settings that cannot work.",
        discussion:
            "Exits 1 when it finds a problem, 0 when it finds none. Nothing is changed; `switchboard migrate` fixes what can be fixed automatically."
    )

    @Flag(help: "Print the findings as JSON.")
    var json = false

    func run() throws {
        let store = try Settings.store(Environment())
        // Every sealed secret is opened with the data keys: without them doctor could not
        // say whether any of them works, so it refuses, as explain, migrate and reseal do.
        guard Environment()["SWITCHBOARD_DATA_KEY"] != nil else {
            throw CommandFailure(
                "SWITCHBOARD_DATA_KEY is not set: doctor opens every sealed secret to check it; "
                    + "set the data key (and SWITCHBOARD_DATA_KEY_PREVIOUS during a rotation)")
        }
        let sealer = try Settings.sealer(Environment())
        let directory = try store.open(appName: "switchboard-doctor", creating: false).directory
        let survey = try directory.survey()
        let documents = survey.companies.count + survey.unreadable.count
        let findings = DirectoryDoctor(lookupFinds: directory.lookupFinds, sealer: sealer).examine(survey)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            struct Report: Encodable {
                let store: String
                let companies: Int
                let findings: [DirectoryDoctor.Finding]
            }
            print(
                String(
                    decoding: try encoder.encode(Report(store: "\(store)", companies: documents, findings: findings)),
                    as: UTF8.self))
        } else {
            print("\(documents) companies in \(store)")
            for finding in findings {
                print("\(finding.kind.rawValue): \(finding.detail) [\(finding.companyIDs.joined(separator: ", "))]")
            }
            print(findings.isEmpty ? "no problems found" : "\(findings.count) problems found")
        }
        if !findings.isEmpty { throw ExitCode(1) }
    }
}

/// `switchboard migrate`: numbers to E.164, secrets sealed, indexes created.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Rewrite numbers to E.164, seal plaintext secrets and create the unique indexes.",
        discussion: """
            A dry run unless --apply is given: it lists what it would change. It refuses to run \
            while a number is held by more than one company, and says which. Running it again \
            finds nothing to do. With REDIS_URL set, the cache entries of changed companies are \
            invalidated.
            """
    )

    @Flag(help: "Write the changes (without it, only list them).")
    var apply = false

    func run() throws {
        let environment = Environment()
        let store = try Settings.store(environment)
        let sealer = try Settings.sealer(environment)
        let opened = try store.open(appName: "switchboard-migrate")
        let directory = opened.directory
        let plan: [(change: DirectoryMigration.Change, migrated: Company)]
        let survey = try directory.survey()
        for document in survey.unreadable {
            FileHandle.standardError.write(
                Data(
                    "switchboard migrate: skipped unreadable document \(document.id ?? "?"): \(document.reason.prefix(200))\n"
                        .utf8))
        }
        do {
            plan = try DirectoryMigration(sealer: sealer).plan(survey.companies)
        } catch {
            FileHandle.standardError.write(Data("switchboard migrate: refused: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let cache = try CacheSettings.fromEnvironment(environment).map { settings in
            RedisTenantCache(
                settings: settings,
                logger: Logger(label: "switchboard.migrate") { LogLineHandler(label: $0, level: .warning) })
        }
        for (change, migrated) in plan {
            print(
                "\(apply ? "migrated" : "would migrate") \(change.companyID): \(change.actions.joined(separator: "; "))"
                    + (change.unresolved.isEmpty
                        ? "" : " (left for a person: \(change.unresolved.joined(separator: "; ")))")
            )
            if apply {
                try directory.save(migrated)
                _ = cache?.invalidate(companyID: migrated.id, numbers: migrated.allNumbers)
            }
        }
        if apply {
            if let ensured = try opened.ensureIndexes() { print(ensured) }
        } else if let planned = opened.indexesToEnsure {
            print(planned)
        }
        print(
            plan.isEmpty
                ? "nothing to migrate"
                : "\(plan.count) companies \(apply ? "migrated" : "to migrate; run again with --apply")")
    }
}
