import ArgumentParser
import Foundation
import Logging
import SwitchboardAdmin
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard archive`: a company's calls and messages.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Read, restore and prune the per-company archive of calls and messages.",
        subcommands: [List.self, Import.self, Prune.self],
        defaultSubcommand: List.self
    )

    /// The configured store's archive.
    static func archive(_ appName: String) throws -> any CallArchive {
        let environment = Environment()
        return try Stores.open(environment, appName: appName).archive(try ArchiveSettings(environment))
    }

    /// `switchboard archive [list] --company ID`: records as JSON lines, newest first.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Print a company's records as JSON lines, newest first.")

        @Option(help: "The company.")
        var company: String

        @Option(help: "Only records at or after this time (ISO 8601).")
        var since: String?

        @Option(help: "call or message.")
        var kind: String?

        @Option(help: "At most this many records.")
        var limit: Int = 100

        func run() throws {
            let id: CompanyID
            do { id = try CompanyID(company) } catch { throw CommandFailure("--company: \(error)") }
            let from = try since.map { text in
                guard let date = Timestamp.parse(text) else {
                    throw CommandFailure("--since must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z")
                }
                return date
            }
            let kindFilter = try kind.map { text in
                guard let kind = ArchiveRecord.Kind(rawValue: text) else {
                    throw CommandFailure("--kind must be call or message")
                }
                return kind
            }
            guard (1...10_000).contains(limit) else { throw CommandFailure("--limit must be from 1 to 10000") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for record in try ArchiveCommand.archive("switchboard-archive").records(
                companyID: id, since: from, kind: kindFilter, limit: limit)
            {
                // As the HTTP API shows a record: without the ordering it keeps for itself.
                print(String(decoding: try encoder.encode(ArchiveRecordView(record)), as: UTF8.self))
            }
        }
    }

    /// `switchboard archive import < logs`: the records of `archive.write_failed` lines.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Write back the records of archive.write_failed log lines read from standard input.",
            discussion:
                "Any log (CloudWatch export, a function's standard error) may be piped in; other lines are skipped. Records already stored are left as they are, so importing twice is safe."
        )

        func run() throws {
            let archive = try ArchiveCommand.archive("switchboard-archive")
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let (records, unreadable) = ArchiveRecord.fromLog(
                String(decoding: input, as: UTF8.self).split(separator: "\n"))
            var failed = 0
            for record in records {
                do { try archive.record(record) } catch {
                    failed += 1
                    FileHandle.standardError.write(Data("switchboard archive import: \(record.sid): \(error)\n".utf8))
                }
            }
            print(
                "\(records.count - failed) of \(records.count) records imported"
                    + (unreadable > 0 ? "; \(unreadable) archive.write_failed lines could not be read" : ""))
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// `switchboard archive prune --before ISO8601`.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Delete every record older than a time: call records are personal data.",
            discussion:
                "On MongoDB, SWITCHBOARD_ARCHIVE_RETENTION_DAYS instead keeps a TTL index that deletes old records continuously."
        )

        @Option(help: "Delete records before this time (ISO 8601).")
        var before: String

        func run() throws {
            guard let cutoff = Timestamp.parse(before) else {
                throw CommandFailure("--before must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z")
            }
            let count = try ArchiveCommand.archive("switchboard-archive").prune(before: cutoff)
            print("\(count) records before \(Timestamp.format(cutoff)) deleted")
        }
    }
}
