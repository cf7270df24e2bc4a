import SwitchboardCore
import TwilioREST

/// Asks Twilio whether a company's settings are real before they are stored — the
/// earlier system's rule, "validate credentials before storing; test with real API
/// calls":
///
/// 1. the account (`GET /Accounts/{sid}.json`, Basic with the SID and token): Twilio's
///    401 → 422 "Twilio rejected these credentials"; a `suspended` or `closed` account →
///    422 naming the status;
/// 2. each active number to confirm (`IncomingPhoneNumbers.json?PhoneNumber=…`) must be
///    the account's → 422 listing those it does not own;
/// 3. a new API key must authenticate → 422 on `apiKey`;
/// 4. a new messaging service (`GET {messaging}/v1/Services/{MG…}`) must be the
///    account's → 422 on `messagingServiceSid` (Twilio answers 404 for another
///    account's service, as for none).
///
/// Twilio unreachable, failing (5xx), overloaded or slower than the client's bound →
/// 503. Nothing here writes anything.
public struct TwilioVerification {
    /// What Twilio confirmed, included in the config API's answer.
    public struct Report: Encodable, Sendable, Equatable {
        /// The account's status as Twilio gave it (`active`), when it was asked.
        public let accountStatus: String?
        /// The account's name in Twilio.
        public let accountName: String?
        /// The numbers Twilio confirmed the account owns.
        public let numbersConfirmed: [String]
        /// True when a new API key was confirmed.
        public let apiKeyConfirmed: Bool
        /// The messaging service Twilio confirmed, and whether it is registered for US
        /// A2P 10DLC messaging.
        public var messagingService: MessagingServiceReport? = nil
    }

    /// A confirmed messaging service.
    public struct MessagingServiceReport: Encodable, Sendable, Equatable {
        public let sid: String
        public let friendlyName: String?
        public let usAppToPersonRegistered: Bool?
    }

    private let client: TwilioRESTClient
    private let sealer: SecretSealer

    public init(client: TwilioRESTClient, sealer: SecretSealer) {
        self.client = client
        self.sealer = sealer
    }

    /// Checks what `change` changes with Twilio; with `everything`, checks all of it
    /// (the admin page's "Test connection").
    ///
    /// - Returns: what Twilio confirmed; `nil` when there was nothing to ask.
    /// - Throws: ``Problem`` 422 when Twilio refused, 503 when it could not be asked.
    public func verify(_ change: ConfigChange, everything: Bool = false) throws(Problem) -> Report? {
        let company = change.company
        guard let accountSid = company.twilio.accountSid, let stored = company.twilio.authToken else { return nil }
        let token: String
        if let new = change.newAuthToken {
            token = new
        } else if let opened = try? sealer.open(stored, companyID: company.id.rawValue, field: .authToken) {
            token = opened
        } else {
            throw .invalid([
                .init(
                    field: "authToken",
                    message: "the stored token cannot be opened with this deployment's data key; send the token again")
            ])
        }
        let credentials = TwilioCredentials(accountSid: accountSid, authToken: token)
        let numbers = everything ? company.numberClaims.filter(\.isActive).map(\.number) : change.numbersToVerify
        let checkAccount = everything || change.credentialsChanged
        let checkKey = company.twilio.apiKey != nil && (everything || change.apiKeyChanged)
        let service = company.twilio.messagingServiceSid.flatMap {
            everything || change.messagingServiceChanged ? $0 : nil
        }
        guard checkAccount || !numbers.isEmpty || checkKey || service != nil else { return nil }

        var account: TwilioAccount?
        if checkAccount {
            let fetched = try ask { () throws(TwilioRESTError) in try client.fetchAccount(credentials) }
            guard fetched.isActive else {
                throw .twilioRefused(
                    "the Twilio account \(accountSid) is \(fetched.status)",
                    errors: [
                        .init(
                            field: "accountSid",
                            message: "the Twilio account is \(fetched.status); only an active account can take calls")
                    ])
            }
            account = fetched
        }

        var confirmed: [String] = []
        var notOwned: [PhoneNumber] = []
        for number in numbers {
            let found = try ask { () throws(TwilioRESTError) in
                try client.incomingPhoneNumbers(credentials, number: number)
            }
            if found.isEmpty { notOwned.append(number) } else { confirmed.append(number.e164) }
        }
        if !notOwned.isEmpty {
            throw .twilioRefused(
                "Twilio account \(accountSid) does not own \(notOwned.map(\.e164).joined(separator: ", "))",
                errors: notOwned.map {
                    .init(field: change.field(of: $0), message: "\($0) is not a number of Twilio account \(accountSid)")
                })
        }

        if checkKey, let key = company.twilio.apiKey {
            let secret: String? =
                change.newAPISecret
                ?? company.twilio.apiSecret.flatMap {
                    try? sealer.open($0, companyID: company.id.rawValue, field: .apiSecret)
                }
            guard let secret else {
                throw .invalid([
                    .init(
                        field: "apiSecret",
                        message: "the stored secret cannot be opened with this deployment's data key; send it again")
                ])
            }
            let keyCredentials = TwilioCredentials(accountSid: accountSid, apiKey: key, apiSecret: secret)
            do {
                _ = try client.incomingPhoneNumbers(keyCredentials, number: numbers.first)
            } catch  where error.isAuthenticationFailure {
                throw .twilioRefused(
                    "Twilio rejected the API key",
                    errors: [
                        .init(
                            field: "apiKey",
                            message: "Twilio rejected this API key and secret for account \(accountSid)")
                    ])
            } catch {
                throw Self.problem(error)
            }
        }
        var report = Report(
            accountStatus: account?.status, accountName: account?.friendlyName, numbersConfirmed: confirmed,
            apiKeyConfirmed: checkKey)
        if let service {
            report.messagingService = try confirmService(service, credentials: credentials)
        }
        return report
    }

    /// The account's messaging service `sid`, or a 422 on `messagingServiceSid`.
    private func confirmService(_ sid: String, credentials: TwilioCredentials) throws(Problem)
        -> MessagingServiceReport
    {
        let notTheAccounts = Problem.twilioRefused(
            "Twilio account \(credentials.accountSid) has no messaging service \(sid)",
            errors: [
                .init(
                    field: "messagingServiceSid",
                    message: "\(sid) is not a messaging service of Twilio account \(credentials.accountSid)")
            ])
        let found: TwilioMessagingService
        do { found = try client.messagingService(credentials, sid: sid) } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 { throw notTheAccounts }
            throw Self.problem(error)
        }
        guard found.accountSid == nil || found.accountSid == credentials.accountSid else { throw notTheAccounts }
        return MessagingServiceReport(
            sid: found.sid, friendlyName: found.friendlyName, usAppToPersonRegistered: found.usAppToPersonRegistered)
    }

    /// One call to Twilio, its failure as the config API answers it.
    private func ask<Result>(_ call: () throws(TwilioRESTError) -> Result) throws(Problem) -> Result {
        do {
            return try call()
        } catch {
            throw Self.problem(error)
        }
    }

    static func problem(_ error: TwilioRESTError) -> Problem {
        if error.isAuthenticationFailure {
            return .twilioRefused(
                "Twilio rejected these credentials",
                errors: [
                    .init(
                        field: "authToken",
                        message: "Twilio rejected this Account SID and auth token (HTTP 401, error 20003)"),
                    .init(
                        field: "accountSid",
                        message: "Twilio rejected this Account SID and auth token (HTTP 401, error 20003)"),
                ])
        }
        if error.isUnavailable {
            return .twilioUnavailable("Twilio could not confirm the settings: \(error)")
        }
        return .twilioRefused("Twilio refused the check: \(error)", errors: [])
    }
}
