internal import CCurl
import TLSDriver

/// Where and how a message goes over SMTP.
public struct SMTPEnvelope: Sendable, CustomStringConvertible {
    /// `smtp://host:587` (STARTTLS) or `smtps://host:465` (TLS from the start).
    public var url: String
    /// The envelope sender (`MAIL FROM`).
    public var from: String
    /// The envelope recipients (`RCPT TO`).
    public var recipients: [String]
    /// The relay's login, if it asks for one.
    public var username: String?
    var password: String?
    /// A PEM file of the authorities that may sign the relay's certificate; the system's
    /// when `nil`.
    public var caFile: String?
    /// Whether an `smtp://` relay must offer STARTTLS (refused when it does not).
    public var requireTLS: Bool
    /// The whole transfer's limit.
    public var timeoutMilliseconds: Int

    public init(
        url: String, from: String, recipients: [String], username: String?, password: String?, caFile: String?,
        requireTLS: Bool, timeoutMilliseconds: Int
    ) {
        self.url = url
        self.from = from
        self.recipients = recipients
        self.username = username
        self.password = password
        self.caFile = caFile
        self.requireTLS = requireTLS
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public var description: String {
        "SMTPEnvelope(\(url), from \(from), to \(recipients.count), login \(username == nil ? "none" : "<redacted>"))"
    }
}

extension CurlHTTPClient {
    /// Sends `message` (headers and body, lines ending in CRLF) over SMTP, checking the
    /// relay's certificate and host name; libcurl does the dot-stuffing.
    ///
    /// - Throws: ``HTTPClientError`` when the relay cannot be reached, offers no STARTTLS
    ///   while it is required, refuses the login, a recipient or the message.
    public func sendMail(_ message: [UInt8], envelope: SMTPEnvelope) throws(HTTPClientError) {
        ccurl_easy_reset(handle)
        let source = MailSource(message)
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { ccurl_slist_free_all(recipients) }
        for recipient in envelope.recipients {
            recipients = ccurl_slist_append(recipients, "<\(recipient)>")
        }
        try check(ccurl_setopt_string(handle, CURLOPT_URL, envelope.url), "set URL")
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "set NOSIGNAL")
        try check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, envelope.timeoutMilliseconds), "set timeout")
        try check(
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(5_000, envelope.timeoutMilliseconds)),
            "set connect timeout")
        try check(
            ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(envelope.requireTLS ? CURLUSESSL_ALL.rawValue : 0)),
            "set STARTTLS")
        if let bundle = envelope.caFile ?? SystemTrust.bundle {
            try check(ccurl_setopt_string(handle, CURLOPT_CAINFO, bundle), "set CA bundle")
        }
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "set peer check")
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "set host check")
        if let username = envelope.username {
            try check(ccurl_setopt_string(handle, CURLOPT_USERNAME, username), "set SMTP user")
            try check(ccurl_setopt_string(handle, CURLOPT_PASSWORD, envelope.password ?? ""), "set SMTP password")
        }
        try check(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(envelope.from)>"), "set MAIL FROM")
        try check(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "set RCPT TO")
        try check(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), "set upload")
        let context = Unmanaged.passUnretained(source).toOpaque()
        try check(
            ccurl_setopt_write_function(
                handle, CURLOPT_READFUNCTION,
                { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let source = Unmanaged<MailSource>.fromOpaque(context).takeUnretainedValue()
                    return source.read(into: buffer, capacity: size * count)
                }), "set message callback")
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, context), "set message context")
        try withExtendedLifetime(source) { () throws(HTTPClientError) in
            try check(ccurl_easy_perform(handle), "send mail through \(Self.hostOnly(envelope.url))")
        }
    }

    /// The scheme and host of `url`, without any login it may carry.
    public static func hostOnly(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "the relay" }
        var rest = url[schemeEnd.upperBound...]
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(url[..<schemeEnd.upperBound]) + rest
    }
}

/// The message libcurl reads, in pieces.
private final class MailSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
