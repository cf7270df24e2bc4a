import Crypto
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Twilio signed: the form parameters of a form post, or the raw body of a JSON
/// post (whose SHA-256 Twilio puts in the URL as `bodySHA256`).
public enum SignedContent: Sendable {
    /// An `application/x-www-form-urlencoded` post: the parameters are signed.
    case form(FormParameters)
    /// Any other body: only the URL is signed, and the URL's `bodySHA256` must be the
    /// body's SHA-256 in lower-case hex.
    case raw([UInt8])
}

/// Twilio's request signature, `X-Twilio-Signature`.
///
/// The signature is base64(HMAC-SHA1(authToken, url + sorted parameters)), where each
/// parameter name is followed by its value with no separator, names are sorted by
/// byte order (so `CALLSID` < `CallSid` < `callSid`), and a name sent several times
/// contributes each distinct value once, values sorted. Twilio's own libraries accept a
/// request when the signature matches any of the URL's spellings that Twilio has been
/// seen to sign: with the port removed, with the scheme's default port added, and with
/// an apostrophe in the query written raw or as `%27`. ``isValid(signature:url:content:authToken:)``
/// accepts the same set, comparing in constant time.
public enum TwilioSignature {
    /// Computes the signature Twilio would send for `url` and `content`.
    public static func compute(url: String, content: SignedContent, authToken: TwilioAuthToken) -> String {
        compute(url: url, content: content, key: WebhookSigningKey(authToken))
    }

    /// Computes the signature Twilio would send for `url` and `content` when it signs
    /// with `key` (a SharedKey and its algorithm, or an auth token).
    public static func compute(url: String, content: SignedContent, key: WebhookSigningKey) -> String {
        var message: [UInt8] = []
        message.append(utf8Of: url)
        appendPayload(for: content, to: &message)
        return String(decoding: signatureBytes(of: message, key: key), as: UTF8.self)
    }

    /// Whether `signature` is a valid Twilio signature for a request to `url` carrying
    /// `content`, made with `authToken`.
    ///
    /// - Parameters:
    ///   - signature: the `X-Twilio-Signature` header; `nil` or empty never validates.
    ///   - url: the full URL Twilio requested, query string included.
    ///   - content: the request's parameters or raw body.
    ///   - authToken: the owning company's auth token.
    public static func isValid(
        signature: String?,
        url: String,
        content: SignedContent,
        authToken: TwilioAuthToken
    ) -> Bool {
        isValid(signature: signature, url: url, content: content, key: WebhookSigningKey(authToken))
    }

    /// Whether `signature` is a valid Twilio signature for a request to `url` carrying
    /// `content`, made with `key`: the same check, with the key and algorithm of a
    /// SharedKey (whose HMAC-SHA256 signature is 44 characters of base64, not 28).
    public static func isValid(signature: String?, url: String, content: SignedContent, key: WebhookSigningKey) -> Bool
    {
        guard let signature, !signature.isEmpty, signature.utf8.count <= 64 else { return false }
        let expected = Array(signature.utf8)

        // What is signed: the URL, then the payload (nothing for a raw body).
        var message: [UInt8] = []
        message.reserveCapacity(url.utf8.count + 1_024)
        message.append(utf8Of: url)
        let urlLength = message.count
        appendPayload(for: content, to: &message)
        var bodyHashMatches = true
        if case .raw(let body) = content {
            // JSON webhooks sign the URL alone and vouch for the body through bodySHA256.
            let claimed = queryValue(named: "bodySHA256", in: url) ?? ""
            let actual = SHA256.hash(data: body).lowercaseHex
            bodyHashMatches = constantTimeEqual(Array(claimed.utf8), Array(actual.utf8))
        }

        func matches(_ message: [UInt8]) -> Bool {
            constantTimeEqual(signatureBytes(of: message, key: key), expected)
        }
        // The URL as received almost always matches; its other spellings are worked out
        // only when it does not.
        let matched =
            matches(message)
            || URLSpellings.candidates(for: url).dropFirst().contains { candidate in
                var spelled: [UInt8] = []
                spelled.append(utf8Of: candidate)
                spelled += message[urlLength...]
                return matches(spelled)
            }
        return matched && bodyHashMatches
    }

    /// The bytes appended to the URL: sorted names, each followed by its sorted,
    /// de-duplicated values. Sorting and de-duplication work on UTF-8 bytes, as Twilio's
    /// Python library does on code points; Swift's `String` ordering and equality follow
    /// Unicode canonical equivalence instead and would disagree on some inputs.
    static func payload(for content: SignedContent) -> [UInt8] {
        var payload: [UInt8] = []
        appendPayload(for: content, to: &payload)
        return payload
    }

    /// Appends ``payload(for:)`` to `output`.
    static func appendPayload(for content: SignedContent, to output: inout [UInt8]) {
        guard case .form(let parameters) = content else { return }
        let spans = parameters.spans
        parameters.withText { text in
            // Sorting the (name, value) pairs by name, then value, and dropping repeats
            // gives exactly "each sorted name, then its sorted distinct values".
            func order(_ lhs: FormParameters.Span, _ rhs: FormParameters.Span) -> Int {
                let names = utf8Order(
                    UnsafeBufferPointer(rebasing: text[lhs.name]), UnsafeBufferPointer(rebasing: text[rhs.name]))
                return names == 0
                    ? utf8Order(
                        UnsafeBufferPointer(rebasing: text[lhs.value]), UnsafeBufferPointer(rebasing: text[rhs.value]))
                    : names
            }
            func append(_ span: FormParameters.Span) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[span.name]))
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[span.value]))
            }
            // Twilio posts its parameters already in this order, with no repeats: then
            // the payload is the decoded text as it is.
            if zip(spans, spans.dropFirst()).allSatisfy({ order($0, $1) < 0 }) {
                output.append(contentsOf: text)
                return
            }
            var previous: FormParameters.Span?
            for span in spans.sorted(by: { order($0, $1) < 0 }) {
                if let previous, order(previous, span) == 0 { continue }
                append(span)
                previous = span
            }
        }
    }

    /// The signature of `message` (the URL and payload), as the ASCII bytes of its base64
    /// text (what the header carries), without building strings on the way.
    private static func signatureBytes(of message: [UInt8], key: WebhookSigningKey) -> [UInt8] {
        let code = message.withUnsafeBytes { key.authenticationCode(of: $0) }
        return code.withUnsafeBytes { Base64.encode($0) }
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    /// The raw (still escaped) value of the first query parameter called `name`.
    static func queryValue(named name: String, in url: String) -> String? {
        guard let questionMark = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: questionMark)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }
}

/// The spellings of one URL that Twilio may have signed.
enum URLSpellings {
    /// The URL as given, without its port and with the scheme's default port, each with
    /// an apostrophe in the query raw and as `%27` when there is one; the given spelling
    /// first, since it is the one that almost always matches.
    static func candidates(for url: String) -> [String] {
        var bases = [url]
        if let parts = URLParts(url) {
            for variant in [parts.withoutPort, parts.withDefaultPort] where !bases.contains(variant) {
                bases.append(variant)
            }
        }
        var spellings = bases
        if let query = url.firstIndex(of: "?").map({ url[$0...] }) {
            if query.contains("'") {
                spellings += bases.map { replacingInQuery($0, "'", with: "%27") }
            }
            if query.contains("%27") {
                spellings += bases.map { replacingInQuery($0, "%27", with: "'") }
            }
        }
        return spellings
    }

    private static func replacingInQuery(_ url: String, _ target: String, with replacement: String) -> String {
        guard let questionMark = url.firstIndex(of: "?") else { return url }
        let query = String(url[questionMark...])
        return String(url[..<questionMark]) + query.replacing(target, with: replacement)
    }
}

/// The pieces of an absolute URL needed to add or remove its port.
struct URLParts {
    var scheme: Substring
    var userInfo: Substring?
    var host: Substring
    var port: Substring?
    var rest: Substring

    init?(_ url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound]
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd =
            afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        rest = afterScheme[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
        }
        // A port follows the last colon, unless that colon is inside an IPv6 literal.
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
    }

    private func assemble(port: Substring?) -> String {
        var url = String(scheme) + "://"
        if let userInfo { url += userInfo + "@" }
        url += host
        if let port { url += ":" + port }
        return url + String(rest)
    }

    var withoutPort: String { assemble(port: nil) }

    var withDefaultPort: String {
        if let port { return assemble(port: port) }
        return assemble(port: scheme.lowercased() == "https" ? "443" : "80")
    }
}

/// Standard base64 with padding (RFC 4648 §4), for the few bytes of a signature.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` as base64 text's ASCII bytes.
    static func encode(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int(chunk >> UInt32(shift) & 0x3F)]) }
            index += 3
        }
        let left = bytes.count - index
        if left > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (left == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(left == 2 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return output
    }
}
