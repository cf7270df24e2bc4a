import HTTPDriver
import Logging
import SwitchboardBase
import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tells a company of a voicemail or a missed call: a text message from the number that
/// was called, through the company's own Twilio account, to each of its `notifySms`
/// numbers, and an e-mail through the deployment's relay to each of its `notifyEmail`
/// addresses.
///
/// The story of one announcement:
/// 1. The call is claimed in the ``NotificationLedger`` (only one sender can hold it);
///    a call that is not due, or that another sender holds or finished, is left alone.
/// 2. The company is read as it is now (its name, who to tell, its credentials), and the
///    call's record from the archive: the record says what happened
///    (``CallNotice/kind(of:)``), and whether the company asked to hear of that
///    (`notifyOn`). Nothing to tell: finished as skipped.
/// 3. Each text message counts in the company's Outbound rate, as every send does; a
///    number that opted out of the company's messages (it replied STOP) gets none.
/// 4. Whom it reached is kept; a send that failed for some is tried again by the
///    scheduled run, only for them, up to ``maximumAttempts`` times in all, waiting 1,
///    2, 4, 8 minutes between tries. The failure is logged and kept in the ledger.
///
/// Twilio's clients and the relay are made on first use: a process that never
/// announces never loads libcurl.
public final class CallAnnouncer {
    /// How many times an announcement is tried before it is abandoned.
    public static let maximumAttempts = 5
    /// How long a sender holds a claim: longer than any send takes.
    public static let leaseSeconds = 120

    private let directory: any TenantDirectory
    private let archive: any CallArchive
    private let ledger: any NotificationLedger
    private let sealer: SecretSealer
    private let rateLimit: OutboundRateLimit
    private let twilioSettings: TwilioRESTSettings
    private let mail: MailRelay?
    private let links: PlaybackLinkSigner?
    private let linkBase: String?
    private var twilio: TwilioRESTClient?
    /// Who opted out of the company's messages: they get no text.
    private let recipients: any RecipientLedger

    /// - Parameters:
    ///   - links: signs each voicemail's playback link; `nil`: notifications carry none.
    ///   - linkBase: where links point (``PlaybackLinkSigner/base(_:)``); a webhook may
    ///     give its own origin when this is `nil`.
    public init(
        directory: any TenantDirectory, archive: any CallArchive, ledger: any NotificationLedger, sealer: SecretSealer,
        rateLimit: OutboundRateLimit, twilioSettings: TwilioRESTSettings, mail: MailRelay?,
        links: PlaybackLinkSigner?, linkBase: String?, recipients: any RecipientLedger
    ) {
        self.recipients = recipients
        self.links = links
        self.linkBase = linkBase
        self.directory = directory
        self.archive = archive
        self.ledger = ledger
        self.sealer = sealer
        self.rateLimit = rateLimit
        self.twilioSettings = twilioSettings
        self.mail = mail
    }

    /// Everything from `environment`, over `store` (its archive is `archive`).
    ///
    /// Settings: the relay's (``MailRelay/Settings``), Twilio's client's (`TWILIO_API_BASE`,
    /// …), `SWITCHBOARD_OUTBOUND_PER_MINUTE` and `REDIS_URL` (the rate limit's count), the
    /// playback links' (`SWITCHBOARD_ADMIN_SECRET`, `SWITCHBOARD_PLAYBACK_LINK_DAYS`, and
    /// their base: `SWITCHBOARD_PUBLIC_URL`, else `SWITCHBOARD_VOICE_URL`'s origin).
    public convenience init(
        environment: Environment, store: any SwitchboardStore, archive: any CallArchive, logger: Logger
    ) throws {
        let redis = try CacheSettings.fromEnvironment(environment).map {
            RedisSendCounter(settings: $0, logger: logger)
        }
        let ledger = store.outboundLedger()
        self.init(
            directory: store.directory, archive: archive, ledger: store.notificationLedger(),
            sealer: try Settings.sealer(environment),
            rateLimit: OutboundRateLimit(
                perMinute: try OutboundRateLimit.perMinute(environment), redis: redis, ledger: ledger),
            twilioSettings: try TwilioRESTSettings.fromEnvironment(environment),
            mail: try MailRelay.Settings.fromEnvironment(environment).map { MailRelay(settings: $0, logger: logger) },
            links: try PlaybackLinkSigner.fromEnvironment(environment), linkBase: PlaybackLinkSigner.base(environment),
            recipients: store.recipientLedger())
    }

    /// The playback of this announcer's links, on the same store, data key, Twilio client
    /// settings and signer: a function that does both reads its settings once.
    public func playback() -> RecordingPlayback {
        RecordingPlayback(
            directory: directory, archive: archive, sealer: sealer, twilioSettings: twilioSettings, signer: links)
    }

    /// Announces `call` now if it is due and nobody else holds it; what became of it, or
    /// `nil` when it was not this process's to send. `origin`: where playback links point
    /// when the settings name no base (the webhook's own `scheme://host`).
    @discardableResult
    public func announce(_ call: NotificationKey, now: Date = Date(), origin: String? = nil, logger: Logger)
        -> NotificationOutcome?
    {
        let claimed: NotificationEntry?
        do { claimed = try ledger.claim(call, now: now, leaseSeconds: Self.leaseSeconds) } catch {
            logger.error("notification.unavailable", metadata: ["call.sid": "\(call.callSid)", "error": "\(error)"])
            return nil
        }
        guard let entry = claimed else { return nil }
        let outcome = send(entry, now: now, origin: origin, logger: logger)
        do { try ledger.finish(call, outcome, now: Date()) } catch {
            logger.error(
                "notification.unrecorded",
                metadata: ["call.sid": "\(call.callSid)", "error": "\(error)", "effect": "sent again after the lease"])
        }
        return outcome
    }

    /// What one pass of the scheduled run sent.
    public struct Pass: Sendable, Equatable {
        public var sent = 0
        public var skipped = 0
        public var failed = 0
        /// Entries still due when the pass ended (its budget ran out).
        public var waiting = 0
    }

    /// Sends what is due at `now` — announcements that waited their full time for a
    /// transcript, retries whose time came, claims whose sender died — until `budget`
    /// runs out, at most `limit`.
    public func sendDue(now: Date = Date(), budget: Duration, limit: Int = 500, logger: Logger) -> Pass {
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var pass = Pass()
        let due: [NotificationEntry]
        do { due = try ledger.due(now: now, limit: limit) } catch {
            logger.error("notification.unavailable", metadata: ["error": "\(error)"])
            return pass
        }
        for (index, entry) in due.enumerated() {
            guard clock.now < deadline else {
                pass.waiting = due.count - index
                break
            }
            switch announce(entry.key, now: Date(), logger: logger) {
            case .sent?: pass.sent += 1
            case .skipped?: pass.skipped += 1
            case .failed?: pass.failed += 1
            case nil: break
            }
        }
        return pass
    }

    // MARK: Sending

    private func send(_ entry: NotificationEntry, now: Date, origin: String?, logger: Logger) -> NotificationOutcome {
        let call = entry.key
        let company: Company
        let record: ArchiveRecord
        do {
            guard let found = try directory.company(id: call.companyID) else { return .skipped }
            company = found
            guard let stored = try archive.record(sid: call.callSid, companyID: call.companyID) else {
                logger.notice(
                    "notification.no_record",
                    metadata: ["company.id": "\(call.companyID)", "call.sid": "\(call.callSid)"])
                return .skipped
            }
            record = stored
        } catch {
            return failure(entry, "the store could not be read: \(error)", delivered: entry.delivered, logger: logger)
        }
        let events = AnnouncementSchedule.events(of: company.twilio)
        var link: String?
        if let links, let base = linkBase ?? origin, let recording = record.recordingSid,
            TwilioSID.isValid(recording, prefix: "RE")
        {
            link = base + links.path(companyID: company.id, recordingSid: recording, now: now)
        }
        guard let notice = CallNotice(record: record, companyName: company.name, playbackLink: link),
            events.contains(notice.kind == .voicemail ? .voicemail : .missedCall)
        else { return .skipped }

        var delivered = entry.delivered
        var problems: [String] = []
        for number in company.twilio.notifySms?.items ?? [] where !delivered.contains(number) {
            do {
                if let parsed = try? PhoneNumber(parsing: number),
                    try recipients.recipient(companyID: company.id, number: parsed)?.optedOut == true
                {
                    logger.notice(
                        "notification.opted_out",
                        metadata: [
                            "company.id": "\(company.id)", "to": "\(number)",
                            "effect": "no text is sent to a number that replied STOP",
                        ])
                    continue
                }
            } catch {
                problems.append("SMS to \(number): whether it opted out could not be read (\(error))")
                continue
            }
            do {
                try text(notice.smsText, to: number, for: company, calledNumber: record.to, now: now, logger: logger)
                delivered.append(number)
            } catch {
                problems.append("SMS to \(number): \(error.message)")
            }
        }
        for address in company.twilio.notifyEmail?.items ?? [] where !delivered.contains(address) {
            do {
                try email(notice, to: address, now: now)
                delivered.append(address)
            } catch {
                problems.append("e-mail to \(address): \(error.message)")
            }
        }
        guard problems.isEmpty else {
            return failure(entry, problems.joined(separator: "; "), delivered: delivered, logger: logger)
        }
        logger.info(
            "notification.sent",
            metadata: [
                "company.id": "\(call.companyID)", "call.sid": "\(call.callSid)", "kind": "\(notice.kind.rawValue)",
                "recipients": "\(delivered.count)",
            ])
        return .sent
    }

    /// A failed try: tried again later while tries remain, else abandoned.
    private func failure(_ entry: NotificationEntry, _ why: String, delivered: [String], logger: Logger)
        -> NotificationOutcome
    {
        let attempt = entry.failures + 1
        let retryAt =
            attempt < Self.maximumAttempts ? Date().addingTimeInterval(60 * Double(1 << (attempt - 1))) : nil
        logger.error(
            "notification.failed",
            metadata: [
                "company.id": "\(entry.key.companyID)", "call.sid": "\(entry.key.callSid)", "attempt": "\(attempt)",
                "error": "\(why)", "effect": "\(retryAt == nil ? "abandoned" : "tried again by the scheduled run")",
            ])
        return .failed(why, retryAt: retryAt, delivered: delivered)
    }

    /// Why one recipient was not reached.
    struct SendFailure: Error {
        let message: String
    }

    private func text(
        _ body: String, to recipient: String, for company: Company, calledNumber: String?, now: Date, logger: Logger
    ) throws(SendFailure) {
        guard let to = try? PhoneNumber(parsing: recipient) else { throw SendFailure(message: "not a phone number") }
        let called = calledNumber.flatMap { try? PhoneNumber(parsing: $0) }
        let from =
            called.flatMap { number in
                company.numberClaims.contains { $0.number == number && $0.isActive } ? number : nil
            }
            ?? company.defaultSendingNumber
        guard let from else { throw SendFailure(message: "the company has no active number to send from") }
        guard let credentials = TwilioCredentials(of: company, sealer: sealer) else {
            throw SendFailure(message: "the company's Twilio credentials are missing or cannot be opened")
        }
        do {
            if case .limited(let seconds) = try rateLimit.admit(company.id, now: now, logger: logger) {
                throw SendFailure(message: "the company's outbound rate is used up for another \(seconds) s")
            }
        } catch let failure as SendFailure {
            throw failure
        } catch {
            throw SendFailure(message: "the rate limit could not be counted: \(error)")
        }
        do {
            if twilio == nil { twilio = try TwilioRESTClient(settings: twilioSettings) }
            _ = try twilio!.sendMessage(credentials, from: from, to: to, body: body)
        } catch {
            throw SendFailure(message: "\(error)")
        }
    }

    private func email(_ notice: CallNotice, to address: String, now: Date) throws(SendFailure) {
        guard let mail else { throw SendFailure(message: "no mail relay is set up (SWITCHBOARD_SMTP_URL)") }
        guard
            let message = MailMessage(
                from: mail.settings.from, to: address, subject: notice.emailSubject, text: notice.emailText,
                html: notice.emailHTML, date: now)
        else { throw SendFailure(message: "not an address Switchboard sends to") }
        do { try mail.send(message) } catch { throw SendFailure(message: "\(error)") }
    }
}

@available(*, unavailable)
extension CallAnnouncer: Sendable {}
