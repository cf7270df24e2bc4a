import Logging
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends messages from a company's own Twilio account — never another's — from one of
/// its active numbers, and records each in its archive as outbound. Make one per
/// process: it reuses the REST client's connection.
public final class CompanyMessenger {
    private let directory: any TenantDirectory
    private let sealer: SecretSealer
    private let client: TwilioRESTClient
    private let recorder: ArchiveRecorder?

    public init(directory: any TenantDirectory, sealer: SecretSealer, client: TwilioRESTClient, recorder: ArchiveRecorder?) {
        self.directory = directory
        self.sealer = sealer
        self.client = client
        self.recorder = recorder
    }

    /// Why a message was not sent.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noSuchCompany(CompanyID)
        /// The company has no Account SID, or no token (or API key) to send with.
        case noCredentials(CompanyID)
        /// `from` is not one of the company's active numbers (or it has none).
        case notOwnNumber(String)
        /// Twilio refused, or could not be asked.
        case twilio(TwilioRESTError)
        case directory(DirectoryError)

        public var description: String {
            switch self {
            case .noSuchCompany(let id): "no company has id \(id)"
            case .noCredentials(let id): "company \(id) has no Twilio Account SID and auth token (or API key) to send with"
            case .notOwnNumber(let number): "\(number) is not one of the company's active numbers"
            case .twilio(let error): "\(error)"
            case .directory(let error): "\(error)"
            }
        }
    }

    /// Sends `body` to `to` from company `id`'s primary active number, or from `from`
    /// when that is another of its active numbers.
    ///
    /// - Returns: Twilio's message (its sid).
    public func send(companyID id: CompanyID, to: PhoneNumber, body: String, from: PhoneNumber? = nil, logger: Logger) throws(Failure) -> TwilioMessage {
        let found: Company?
        do { found = try directory.company(id: id) } catch { throw .directory(error) }
        guard let company = found else { throw .noSuchCompany(id) }
        let active = company.numberClaims.filter(\.isActive).map(\.number)
        let sender: PhoneNumber
        if let from {
            guard active.contains(from) else { throw .notOwnNumber(from.e164) }
            sender = from
        } else {
            let primary = company.twilio.phoneNumbers.first { $0.isActive && $0.isPrimary == true }.flatMap { try? PhoneNumber(parsing: $0.phoneNumber) }
            guard let chosen = primary ?? company.twilio.phoneNumber.flatMap({ try? PhoneNumber(parsing: $0) }) ?? active.first else {
                throw .notOwnNumber("the company")
            }
            sender = chosen
        }
        let credentials = try self.credentials(of: company)
        let message: TwilioMessage
        do {
            message = try client.sendMessage(credentials, from: sender, to: to, body: body)
        } catch {
            throw .twilio(error)
        }
        if let recorder, ArchiveRecord.isValidSid(message.sid) {
            var record = ArchiveRecord(sid: message.sid, kind: .message, companyId: id.rawValue, direction: "outbound-api", at: Timestamp.format(Date()))
            record.accountSid = company.twilio.accountSid
            record.from = sender.e164
            record.to = to.e164
            record.decision = "sent"
            record.body = body
            recorder.record(record, logger: logger)
        }
        logger.info("sms.sent", metadata: ["company.id": "\(id)", "message.sid": "\(message.sid)", "from": "\(sender)", "to": "\(to)"])
        return message
    }

    /// The company's API key when it has one (Twilio's preferred credential), else its
    /// Account SID and auth token.
    private func credentials(of company: Company) throws(Failure) -> TwilioCredentials {
        guard let sid = company.twilio.accountSid else { throw .noCredentials(company.id) }
        if let key = company.twilio.apiKey, let sealed = company.twilio.apiSecret,
           let secret = try? sealer.open(sealed, companyID: company.id.rawValue, field: .apiSecret) {
            return TwilioCredentials(accountSid: sid, apiKey: key, apiSecret: secret)
        }
        guard let sealed = company.twilio.authToken, let token = try? sealer.open(sealed, companyID: company.id.rawValue, field: .authToken) else {
            throw .noCredentials(company.id)
        }
        return TwilioCredentials(accountSid: sid, authToken: token)
    }
}
