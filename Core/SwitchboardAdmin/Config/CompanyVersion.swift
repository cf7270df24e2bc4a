import Crypto
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A company's stored version as an HTTP entity tag: `ConfigGet` sends it as `ETag`,
/// and `ConfigPut` with `If-Match` writes only while it still matches.
public enum CompanyVersion {
    /// The strong ETag of `company`: a hash of the whole stored document (times in one
    /// canonical form, so both backends and every read give the same tag).
    public static func etag(of company: Company) -> String {
        var canonical = company
        canonical.twilio.lastUpdated = company.twilio.lastUpdated.map(Timestamp.canonical)
        canonical.twilio.authTokenPreviousExpiresAt = company.twilio.authTokenPreviousExpiresAt.map(
            Timestamp.canonical)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = (try? encoder.encode(canonical)) ?? Data()
        let digest = SHA256.hash(data: document)
        return "\"" + digest.prefix(16).lowercaseHex + "\""
    }

    /// Whether an `If-Match` header value (`*`, or a list of entity tags) allows a write
    /// over `company`. Weak tags never match (RFC 9110 §13.1.1: strong comparison).
    public static func ifMatch(_ header: String, allows company: Company) -> Bool {
        let trimmed = header.trimmingASCIIWhitespace()
        if trimmed == "*" { return true }
        let current = etag(of: company)
        return trimmed.split(separator: ",").contains { String($0).trimmingASCIIWhitespace() == current }
    }
}
