import Logging
import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends messages and places calls from a company's own Twilio account — never
/// another's — from one of its *active* numbers (or through its messaging service, or
/// from its WhatsApp sender), with the status callback pointing at this deployment's
/// status routes, and records each in the company's archive as `outbound-api` before it
/// answers. Make one per process: it reuses the REST client's connection.
///
/// A message is never sent to a number that opted out of the company's messages, nor
/// as free WhatsApp text outside WhatsApp's 24-hour window; both are refused before
/// Twilio is asked (``RecipientLedger``), and Twilio's own refusals of either (21610,
/// 63016) are answered the same way, a 21610 also kept as an opt-out.
public final class CompanyOutbound {
    private let directory: any TenantDirectory
    private let sealer: SecretSealer
    private let client: TwilioRESTClient
    private let recorder: ArchiveRecorder?
    private let planner: VoiceCallPlanner
    /// Where Twilio posts how each message and call went; without them, nothing comes back.
    private let callbacks: WebhookTargets?
    /// Who opted out, and when each person last wrote on WhatsApp.
    private let recipients: any RecipientLedger

    public init(
        directory: any TenantDirectory, sealer: SecretSealer, client: TwilioRESTClient, recorder: ArchiveRecorder?,
        planner: VoiceCallPlanner, callbacks: WebhookTargets?, recipients: any RecipientLedger
    ) {
        self.recipients = recipients
        self.directory = directory
        self.sealer = sealer
        self.client = client
        self.recorder = recorder
        self.planner = planner
        self.callbacks = callbacks
    }

    /// Whether Twilio is told where to report how each message and call went.
    public var reportsStatus: Bool { callbacks != nil }

    /// What was sent: Twilio's sid and status, and the archive's record of it.
    public struct Sent: Sendable, Equatable {
        public let sid: String
        public let status: String?
        public let record: ArchiveRecord
        /// False when the record could not be written in time (it was logged whole).
        public let archived: Bool
    }

    /// Why nothing was sent.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noSuchCompany(CompanyID)
        /// The company has no Account SID, or no token (or API key) to send with.
        case noCredentials(CompanyID)
        /// `from` is not one of the company's numbers.
        case notOwnNumber(PhoneNumber)
        /// `from` is one of the company's numbers, but not active.
        case inactiveNumber(PhoneNumber)
        /// The company has no active number to send from.
        case noActiveNumber(CompanyID)
        /// `from` is not one of the company's active WhatsApp senders.
        case notOwnWhatsAppSender(PhoneNumber)
        /// The company has no active WhatsApp sender.
        case noWhatsAppSender(CompanyID)
        /// The recipient opted out of the company's messages (`since`, by `source`).
        case optedOut(PhoneNumber, since: Date?, source: String?)
        /// Free WhatsApp text outside the 24-hour window since the recipient last wrote
        /// (`lastInbound`, or never).
        case outsideWhatsAppWindow(PhoneNumber, lastInbound: Date?)
        /// The opt-outs could not be read, so nothing was sent.
        case recipients(RecipientLedgerError)
        /// The company's settings cannot make this call.
        case unplaceable(VoiceCallPlanner.OutboundCallError)
        /// Twilio refused, or could not be asked.
        case twilio(TwilioRESTError)
        case directory(DirectoryError)

        public var description: String {
            switch self {
            case .noSuchCompany(let id): "no company has id \(id)"
            case .noCredentials(let id):
                "company \(id) has no Twilio Account SID and auth token (or API key) to send with"
            case .notOwnNumber(let number): "\(number) is not one of the company's numbers"
            case .inactiveNumber(let number): "\(number) is one of the company's numbers, but it is inactive"
            case .noActiveNumber(let id): "company \(id) has no active number to send from"
            case .notOwnWhatsAppSender(let number): "\(number) is not one of the company's WhatsApp senders"
            case .noWhatsAppSender(let id): "company \(id) has no active WhatsApp sender"
            case .optedOut(let number, _, _): "\(number) opted out of the company's messages"
            case .outsideWhatsAppWindow(let number, _):
                "\(number) has not written to the company on WhatsApp in the last 24 hours"
            case .recipients(let error): "\(error)"
            case .unplaceable(let why): "\(why)"
            case .twilio(let error): "\(error)"
            case .directory(let error): "\(error)"
            }
        }
    }

    /// The company with id `id`, as stored.
    public func company(_ id: CompanyID) throws(Failure) -> Company {
        let found: Company?
        do { found = try directory.company(id: id) } catch { throw .directory(error) }
        guard let found else { throw .noSuchCompany(id) }
        return found
    }

    /// Sends `request` from `company`'s account: checks its sender and settings, asks
    /// Twilio, records what was sent.
    public func send(_ request: OutboundRequest, for company: Company, now: Date = Date(), logger: Logger)
        throws(Failure) -> Sent
    {
        var record = ArchiveRecord(
            sid: "", kind: request.kind.archiveKind, companyId: company.id.rawValue, direction: "outbound-api",
            at: Timestamp.format(now))
        record.accountSid = company.twilio.accountSid
        record.to = request.to.e164
        let sid: String
        let status: String?
        switch request {
        case .message(let to, let text, let asked):
            let route = try messageRoute(of: company, channel: text.channel, asked: asked)
            let credentials = try self.credentials(of: company)
            try admit(to, text, company: company, now: now)
            let message: TwilioMessage
            do {
                message = try client.sendMessage(
                    credentials,
                    TwilioMessageRequest(
                        to: text.channel.address(to), from: route.from.map(text.channel.address),
                        messagingServiceSid: route.service, body: text.body.isEmpty ? nil : text.body,
                        mediaURLs: text.mediaURLs, contentSid: text.template?.contentSid,
                        contentVariables: text.template?.variablesJSON,
                        statusCallback: callbacks?.smsStatusURL(companyID: company.id)))
            } catch {
                throw refused(error, to: to, text: text, company: company, now: now, logger: logger)
            }
            (sid, status) = (message.sid, message.status)
            record.from = route.from?.e164 ?? message.from.map { MessageChannel.split($0).number }
            record.decision = "sent"
            record.body = text.body.isEmpty ? nil : text.body
            record.mediaUrls = text.mediaURLs.isEmpty ? nil : text.mediaURLs
            record.channel = text.channel == .whatsapp ? MessageChannel.whatsapp.rawValue : nil
            record.contentSid = text.template?.contentSid
            record.messagingServiceSid = route.service
        case .call(let to, let connect, let message, let asked):
            let sender = try self.sender(of: company, asked: asked)
            let credentials = try self.credentials(of: company)
            record.from = sender.e164
            let twiml: String
            do {
                twiml = try planner.outboundCall(
                    tenant: TenantSnapshot(company), connect: connect, from: sender, to: to, message: message)
            } catch {
                throw .unplaceable(error)
            }
            let call: TwilioCall
            do {
                call = try client.createCall(
                    credentials, from: sender, to: to, twiml: twiml,
                    statusCallback: callbacks?.voiceStatusURL(companyID: company.id))
            } catch { throw .twilio(error) }
            (sid, status) = (call.sid, call.status)
            record.decision = connect.rawValue
        }
        record.sid = sid
        if let status {
            record.status = status
            record.statusOrder = ArchiveRecord.statusOrder(kind: record.kind, status: status, sequence: nil)
        }
        var archived = false
        if let recorder, ArchiveRecord.isValidSid(sid) { archived = recorder.record(record, logger: logger) }
        return Sent(sid: sid, status: status, record: record, archived: archived)
    }

    /// Where a message leaves from: on WhatsApp, the company's WhatsApp sender (`asked`,
    /// or its primary one); as a text, through its messaging service when it has one
    /// (from `asked` when given, else the service picks), else from `asked` or its
    /// default number.
    func messageRoute(of company: Company, channel: MessageChannel, asked: PhoneNumber?) throws(Failure)
        -> (from: PhoneNumber?, service: String?)
    {
        switch channel {
        case .whatsapp:
            let senders = company.whatsAppSenders
            if let asked {
                guard senders.contains(asked) else { throw .notOwnWhatsAppSender(asked) }
                return (asked, nil)
            }
            guard let first = senders.first else { throw .noWhatsAppSender(company.id) }
            return (first, nil)
        case .sms:
            if let service = company.twilio.messagingServiceSid {
                return (try asked.map { number throws(Failure) in try sender(of: company, asked: number) }, service)
            }
            return (try sender(of: company, asked: asked), nil)
        }
    }

    /// Refuses, before Twilio is asked, a message to a number that opted out, and free
    /// WhatsApp text outside the 24-hour window. One keyed read of the ledger.
    private func admit(_ to: PhoneNumber, _ text: OutboundText, company: Company, now: Date) throws(Failure) {
        let known: Recipient?
        do { known = try recipients.recipient(companyID: company.id, number: to) } catch { throw .recipients(error) }
        if let known, known.optedOut { throw .optedOut(to, since: known.changedAt, source: known.source) }
        if text.channel == .whatsapp, text.template == nil {
            guard let last = known?.lastWhatsAppInbound, now.timeIntervalSince(last) < WhatsAppWindow.seconds else {
                throw .outsideWhatsAppWindow(to, lastInbound: known?.lastWhatsAppInbound)
            }
        }
    }

    /// Twilio's refusal of a message, in the same terms as a refusal before asking:
    /// 21610 (the recipient replied STOP to Twilio) is kept as an opt-out, and 63016
    /// (outside WhatsApp's window) is the window's refusal.
    private func refused(
        _ error: TwilioRESTError, to: PhoneNumber, text: OutboundText, company: Company, now: Date, logger: Logger
    )
        -> Failure
    {
        guard case .rejected(let refusal) = error else { return .twilio(error) }
        switch refusal.code {
        case 21610?:
            let change = OptChange(
                companyID: company.id, number: to, optedOut: true, at: now, source: "twilio-21610")
            do { try recipients.record(change) } catch {
                logger.error(
                    "outbound.opt_out_unrecorded",
                    metadata: ["company.id": "\(company.id)", "to": "\(to)", "error": "\(error)"])
            }
            return .optedOut(to, since: now, source: "twilio-21610")
        case 63016? where text.channel == .whatsapp:
            return .outsideWhatsAppWindow(to, lastInbound: nil)
        default:
            return .twilio(error)
        }
    }

    /// The number to send from: `asked` when it is one of the company's active numbers,
    /// else its primary active number (or its first active one).
    func sender(of company: Company, asked: PhoneNumber?) throws(Failure) -> PhoneNumber {
        let claims = company.numberClaims
        if let asked {
            guard let claim = claims.first(where: { $0.number == asked }) else { throw .notOwnNumber(asked) }
            guard claim.isActive else { throw .inactiveNumber(asked) }
            return asked
        }
        guard let chosen = company.defaultSendingNumber else { throw .noActiveNumber(company.id) }
        return chosen
    }

    /// The company's own credentials (``TwilioCredentials/init(of:sealer:)``).
    private func credentials(of company: Company) throws(Failure) -> TwilioCredentials {
        guard let credentials = TwilioCredentials(of: company, sealer: sealer) else { throw .noCredentials(company.id) }
        return credentials
    }
}

@available(*, unavailable)
extension CompanyOutbound: Sendable {}
