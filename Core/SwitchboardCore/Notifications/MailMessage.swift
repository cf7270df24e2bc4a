#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One e-mail as it goes over SMTP: headers and a `multipart/alternative` body with a
/// plain-text and an HTML part.
///
/// Nothing given can add a header or a line: the subject is always written as RFC 2047
/// encoded words (base64 of its UTF-8), each part's text is base64 in lines of 76, and
/// the addresses must pass ``EmailAddress/isValid(_:)`` (which admits no space, quote,
/// angle bracket or control character) or the message is not made.
public struct MailMessage: Sendable, Equatable {
    public let from: String
    public let to: String
    public let subject: String
    public let text: String
    public let html: String
    public let date: Date
    /// Random, so the MIME boundary and the `Message-ID` are unguessable.
    private let token: String

    /// A message, or `nil` when either address is not one Switchboard sends to.
    public init?(from: String, to: String, subject: String, text: String, html: String, date: Date) {
        guard EmailAddress.isValid(from), EmailAddress.isValid(to) else { return nil }
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        token = (0..<16).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
    }

    /// The message as SMTP's `DATA` carries it, lines ending in CRLF.
    public var rendered: [UInt8] {
        let boundary = "switchboard-" + token
        let domain = from.split(separator: "@").last.map(String.init) ?? "switchboard.invalid"
        var lines: [String] = [
            "From: <\(from)>",
            "To: <\(to)>",
            "Subject: " + Self.encodedWords(subject),
            "Date: " + Self.rfc5322Date(date),
            "Message-ID: <\(token)@\(domain)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--" + boundary,
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += Self.base64Lines(text)
        lines += ["--" + boundary, "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += Self.base64Lines(html)
        lines += ["--" + boundary + "--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// `text` as RFC 2047 encoded words, folded: each word carries at most 45 bytes of
    /// UTF-8 (60 characters of base64), cut between characters.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 && !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes.prefix(45)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `text`'s UTF-8 in base64 lines of 76 characters.
    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [String] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines
    }

    /// `Mon, 07 Dec 2026 10:41:05 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let parts = CallNotice.utcParts(date)
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let second = ((seconds % 60) + 60) % 60
        return
            "\(parts.weekday), \(parts.day < 10 ? "0" : "")\(parts.day) \(CallNotice.months[parts.month - 1]) \(parts.year) \(parts.time):\(second < 10 ? "0" : "")\(second) +0000"
    }
}
