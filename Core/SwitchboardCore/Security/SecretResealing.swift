#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finishes a data-key rotation: every stored secret (auth tokens, replaced tokens, API
/// secrets, webhook SharedKeys) sealed under a previous key — or still in clear — is sealed again under the
/// current key, so the old key can be retired. Idempotent: a second run finds nothing.
///
/// A value no configured key opens is reported, never dropped or overwritten: only its
/// key (given back in `SWITCHBOARD_DATA_KEY_PREVIOUS`) or a person re-entering the secret
/// can bring it back.
public struct SecretResealing {
    /// What a run did, or would do.
    public struct Report: Sendable, Encodable, Equatable {
        /// Values moved to the current key, by the key id they were under (`plaintext` for
        /// values that were in clear).
        public var moved: [String: Int] = [:]
        /// Values already under the current key.
        public var current = 0
        /// Values no configured key opens: company, field and the key id they need.
        public var unopenable: [Unopenable] = []
        /// Companies saved.
        public var companies = 0

        public init() {}

        public struct Unopenable: Sendable, Encodable, Equatable {
            public let companyId: String
            public let field: String
            public let needs: String
        }
    }

    private let sealer: SecretSealer

    public init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// `company` with its secrets sealed under the current key, and whether anything changed.
    public func reseal(_ company: Company, into report: inout Report) -> Company? {
        var next = company
        var changed = false
        func reseal(_ secret: StoredSecret?, _ field: SecretField) -> StoredSecret? {
            guard let secret else { return nil }
            let status = sealer.keyStatus(of: secret, companyID: company.id.rawValue, field: field)
            switch status {
            case .current:
                report.current += 1
                return secret
            case .previous, .plaintext:
                guard let plain = try? sealer.open(secret, companyID: company.id.rawValue, field: field) else {
                    return secret
                }
                let from = if case .previous(let id) = status { id } else { "plaintext" }
                report.moved[from, default: 0] += 1
                changed = true
                return .sealed(sealer.seal(plain, companyID: company.id.rawValue, field: field))
            case .unknownKey(let id), .doesNotOpen(let id):
                report.unopenable.append(
                    .init(companyId: company.id.rawValue, field: field.rawValue, needs: "key id \(id)"))
                return secret
            case .damaged:
                report.unopenable.append(
                    .init(companyId: company.id.rawValue, field: field.rawValue, needs: "a readable sealed value"))
                return secret
            }
        }
        next.twilio.authToken = reseal(company.twilio.authToken, .authToken)
        next.twilio.authTokenPrevious = reseal(company.twilio.authTokenPrevious, .authTokenPrevious)
        next.twilio.apiSecret = reseal(company.twilio.apiSecret, .apiSecret)
        for keyPath in [\TwilioConfig.webhookSharedKey, \TwilioConfig.webhookSharedKeyPrevious] {
            if let key = company.twilio[keyPath: keyPath], let secret = reseal(key.secret, .webhookSharedKey) {
                next.twilio[keyPath: keyPath]?.secret = secret
            }
        }
        return changed ? next : nil
    }
}
