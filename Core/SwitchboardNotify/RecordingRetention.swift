import Logging
import SwitchboardBase
import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Deletes a company's recordings at Twilio once they are older than its
/// `recordingRetentionDays`: `DELETE …/Recordings/{RE…}.json` with its own credentials,
/// then the call's record is marked `recordingDeletedAt` (playing it answers 410).
///
/// The scheduled run visits only the companies that set a retention (an index answers
/// which), a page at a time, and deletes at most ``maximumPerPass`` recordings within its
/// budget: what is left waits for the next pass. `switchboard recordings purge` deletes
/// one company's recordings before a date by hand, through the same code.
public final class RecordingRetention {
    /// The most recordings one pass deletes.
    public static let maximumPerPass = 200

    private let directory: any TenantDirectory
    private let archive: any CallArchive
    private let sealer: SecretSealer
    private let twilioSettings: TwilioRESTSettings
    private var twilio: TwilioRESTClient?

    public init(
        directory: any TenantDirectory, archive: any CallArchive, sealer: SecretSealer,
        twilioSettings: TwilioRESTSettings
    ) {
        self.directory = directory
        self.archive = archive
        self.sealer = sealer
        self.twilioSettings = twilioSettings
    }

    /// What a pass did.
    public struct Pass: Sendable, Equatable {
        public var companies = 0
        public var deleted = 0
        public var failed = 0
        /// True when the pass stopped at its limit or budget with recordings left.
        public var unfinished = false
    }

    /// One pass over the companies that keep recordings a limited time.
    public func run(now: Date = Date(), budget: Duration, limit: Int = maximumPerPass, logger: Logger) -> Pass {
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var pass = Pass()
        var after: CompanyID?
        while clock.now < deadline && pass.deleted + pass.failed < limit {
            let page: [Company]
            do { page = try directory.companiesWithRecordingRetention(after: after, limit: 100) } catch {
                logger.error("retention.unavailable", metadata: ["error": "\(error)"])
                return pass
            }
            for company in page {
                guard clock.now < deadline, pass.deleted + pass.failed < limit else {
                    pass.unfinished = true
                    return pass
                }
                guard let days = company.twilio.recordingRetentionDays, RecordingRetentionPolicy.days.contains(days)
                else { continue }
                pass.companies += 1
                let done = purge(
                    company, before: now.addingTimeInterval(-Double(days) * 86_400),
                    limit: limit - pass.deleted - pass.failed, now: now, deadline: deadline, logger: logger)
                pass.deleted += done.deleted
                pass.failed += done.failed
                pass.unfinished = pass.unfinished || done.unfinished
            }
            guard page.count == 100, let last = page.last else { return pass }
            after = last.id
        }
        pass.unfinished = true
        return pass
    }

    /// Deletes `company`'s recordings made before `before`, at most `limit`.
    public func purge(
        _ company: Company, before: Date, limit: Int, now: Date = Date(), deadline: ContinuousClock.Instant? = nil,
        logger: Logger
    ) -> Pass {
        var pass = Pass(companies: 1)
        let records: [ArchiveRecord]
        do { records = try archive.recordingsToDelete(companyID: company.id, before: before, limit: limit) } catch {
            logger.error("retention.unavailable", metadata: ["company.id": "\(company.id)", "error": "\(error)"])
            pass.failed += 1
            return pass
        }
        guard !records.isEmpty else { return pass }
        guard let credentials = TwilioCredentials(of: company, sealer: sealer) else {
            logger.error(
                "retention.no_credentials",
                metadata: [
                    "company.id": "\(company.id)", "recordings": "\(records.count)", "effect": "kept until it has them",
                ])
            pass.failed += records.count
            return pass
        }
        for record in records {
            if let deadline, ContinuousClock().now >= deadline {
                pass.unfinished = true
                break
            }
            guard let sid = record.recordingSid, TwilioSID.isValid(sid, prefix: "RE") else { continue }
            do {
                if twilio == nil { twilio = try TwilioRESTClient(settings: twilioSettings) }
                try twilio!.deleteRecording(credentials, sid: sid)
            } catch {
                logger.error(
                    "retention.delete_failed",
                    metadata: ["company.id": "\(company.id)", "recording.sid": "\(sid)", "error": "\(error)"])
                pass.failed += 1
                continue
            }
            var deleted = ArchiveRecord(
                sid: record.sid, kind: .call, companyId: record.companyId, direction: record.direction, at: record.at)
            deleted.recordingDeletedAt = Timestamp.format(now)
            do { try archive.record(deleted) } catch {
                logger.error(
                    "retention.unrecorded",
                    metadata: [
                        "company.id": "\(company.id)", "recording.sid": "\(sid)", "error": "\(error)",
                        "effect":
                            "deleted at Twilio; tried again next pass (Twilio answers 404, which counts as deleted)",
                    ])
            }
            pass.deleted += 1
            logger.info(
                "retention.deleted",
                metadata: ["company.id": "\(company.id)", "recording.sid": "\(sid)", "call.sid": "\(record.sid)"])
        }
        if records.count == limit { pass.unfinished = true }
        return pass
    }
}

@available(*, unavailable)
extension RecordingRetention: Sendable {}
