import Logging
import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends messages and places calls from a company's own Twilio account — never
/// another's — from one of its *active* numbers, with the status callback pointing at
/// this deployment's status routes, and records each in the company's archive as
/// `outbound-api` before it answers. Make one per process: it reuses the REST client's
/// connection.
public final class CompanyOutbound {
    private let directory: any TenantDirectory
    private let sealer: SecretSealer
    private let client: TwilioRESTClient
    private let recorder: ArchiveRecorder?
    private let planner: VoiceCallPlanner
    /// Where Twilio posts how each message and call went; without them, nothing comes back.
    private let callbacks: WebhookTargets?

    public init(
        directory: any TenantDirectory, sealer: SecretSealer, client: TwilioRESTClient, recorder: ArchiveRecorder?,
        planner: VoiceCallPlanner, callbacks: WebhookTargets?
    ) {
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
    public func send(_ request: OutboundRequest, for company: Company, logger: Logger) throws(Failure) -> Sent {
        let sender = try self.sender(of: company, asked: request.from)
        let credentials = try self.credentials(of: company)
        var record = ArchiveRecord(
            sid: "", kind: request.kind.archiveKind, companyId: company.id.rawValue, direction: "outbound-api",
            at: Timestamp.format(Date()))
        record.accountSid = company.twilio.accountSid
        record.from = sender.e164
        record.to = request.to.e164
        let sid: String
        let status: String?
        switch request {
        case .message(let to, let body, let media, _):
            let message: TwilioMessage
            do {
                message = try client.sendMessage(
                    credentials, from: sender, to: to, body: body, mediaURLs: media,
                    statusCallback: callbacks?.smsStatusURL(companyID: company.id))
            } catch { throw .twilio(error) }
            (sid, status) = (message.sid, message.status)
            record.decision = "sent"
            record.body = body.isEmpty ? nil : body
            record.mediaUrls = media.isEmpty ? nil : media
        case .call(let to, let connect, let message, _):
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
