import FoundationEssentials
import SwitchboardCore
import SwitchboardRuntime

/// Signed webhooks with a fresh `CallSid`/`MessageSid` each, as real traffic has: every
/// one is a new archive record, so the archive's cost is measured as it is, not as the
/// no-op of a retry.
enum GeneratedEvents {
    struct Tenant {
        let account: String
        let token: String
        let number: String
    }

    /// The example companies that answer, with their first active number.
    static func tenants(_ companiesFile: String) throws -> [Tenant] {
        let companies = try JSONDecoder().decode([Company].self, from: Data(try readFile(companiesFile)))
        return companies.compactMap { company in
            guard let account = company.twilio.accountSid, case .plaintext(let token)? = company.twilio.authToken,
                let number = company.numberClaims.first(where: \.isActive)?.number
            else { return nil }
            return Tenant(account: account, token: token, number: number.e164)
        }
    }

    /// `count` one-line payload 2.0 events for `path` (`/api/twilio/voice` or `/api/twilio/sms`),
    /// their sids numbered from `firstSid`.
    static func events(_ tenants: [Tenant], path: String, count: Int, firstSid: Int = 0) throws -> [[UInt8]] {
        let host = "bench.execute-api.us-east-1.amazonaws.com"
        let encoder = JSONEncoder()
        return try (firstSid..<firstSid + count).map { index in
            let tenant = tenants[index % tenants.count]
            let hex = String(index, radix: 16)
            let sid = String(repeating: "0", count: 32 - hex.count) + hex
            let parameters: [(String, String)] =
                path.hasSuffix("sms")
                ? [
                    ("AccountSid", tenant.account), ("Body", "Hello, is the office open on Saturday?"),
                    ("From", "+15557654321"),
                    ("MessageSid", "SM" + sid), ("NumMedia", "0"), ("To", tenant.number),
                ]
                : [
                    ("AccountSid", tenant.account), ("CallSid", "CA" + sid), ("CallStatus", "ringing"),
                    ("Direction", "inbound"),
                    ("From", "+15557654321"), ("To", tenant.number),
                ]
            let form = FormParameters(parameters)
            let signature = TwilioSignature.compute(
                url: "https://\(host)\(path)", content: .form(form), authToken: TwilioAuthToken(tenant.token))
            let event = HTTPEvent(
                method: "POST", rawPath: path,
                headers: ["content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature],
                body: form.encoded, domainName: host)
            return Array(try encoder.encode(event))
        }
    }
}
