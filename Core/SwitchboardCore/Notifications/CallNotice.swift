#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a company is told of one call — a voicemail, or a call nobody took — as a text
/// message and as an e-mail, from the call's record.
///
/// Everything the caller supplied (their number as Twilio passed it, the transcript of
/// what they said) is treated as hostile: control characters and line breaks become
/// spaces in the text message and the e-mail's subject, and the HTML body escapes every
/// character HTML gives a meaning to. The e-mail's headers are written by ``MailMessage``,
/// which encodes them, so nothing here can add a header or a line to it.
public struct CallNotice: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case voicemail
        case missedCall = "missed-call"
    }

    public var kind: Kind
    /// The company's name, as it is stored.
    public var companyName: String
    /// Who called: Twilio's `From`, or `nil` when withheld.
    public var caller: String?
    /// When the call came in.
    public var at: Date
    /// The message's length, in seconds.
    public var durationSeconds: Int?
    /// What the caller said, when Twilio transcribed it.
    public var transcript: String?
    /// True when the transcription failed.
    public var transcriptFailed: Bool
    /// Where the message can be played without logging in.
    public var playbackLink: String?

    public init(
        kind: Kind, companyName: String, caller: String?, at: Date, durationSeconds: Int? = nil,
        transcript: String? = nil, transcriptFailed: Bool = false, playbackLink: String? = nil
    ) {
        self.kind = kind
        self.companyName = companyName
        self.caller = caller
        self.at = at
        self.durationSeconds = durationSeconds
        self.transcript = transcript
        self.transcriptFailed = transcriptFailed
        self.playbackLink = playbackLink
    }

    /// The notice of `record`'s call, or `nil` when the record is not one a company is
    /// told of (see ``kind(of:)``).
    public init?(record: ArchiveRecord, companyName: String, playbackLink: String?) {
        guard let kind = Self.kind(of: record) else { return nil }
        self.init(
            kind: kind, companyName: companyName, caller: record.from.flatMap { $0.isEmpty ? nil : $0 },
            at: Timestamp.parse(record.at) ?? Date(timeIntervalSince1970: 0),
            durationSeconds: kind == .voicemail
                ? record.recordingDurationSeconds ?? record.recordingDuration.flatMap { Int($0) } : nil,
            transcript: record.transcript.flatMap { $0.isEmpty ? nil : $0 },
            transcriptFailed: record.transcriptStatus == "failed",
            playbackLink: kind == .voicemail ? playbackLink : nil)
    }

    /// What a call's record makes it: a `voicemail` when a message was recorded; a
    /// `missed-call` when the caller reached nobody and left no message (a voicemail with
    /// no recording, a forward nobody answered, or one the caller gave up on while it
    /// rang); `nil` when somebody or the agent took it, or it is not an inbound call.
    public static func kind(of record: ArchiveRecord) -> Kind? {
        guard record.kind == .call, record.direction == "inbound" else { return nil }
        if record.recordingSid != nil && record.recordingStatus != "absent" { return .voicemail }
        switch record.decision {
        case CallRoutingMode.voicemail.rawValue:
            return .missedCall
        case CallRoutingMode.forward.rawValue:
            if let dial = record.dialStatus {
                return dial == "completed" || dial == "answered" ? nil : .missedCall
            }
            // No dial outcome: the caller hung up while it rang, once the call is over.
            return record.endedAt != nil && record.answered != true ? .missedCall : nil
        default:
            return nil
        }
    }

    /// The text message: who called, when, how long, the transcript cut so the whole
    /// message fits two SMS segments, and the link.
    public var smsText: String {
        var head = kind == .voicemail ? "Voicemail for " : "Missed call for "
        head +=
            Self.oneLine(companyName, limit: 60, ellipsis: "...") + " from " + callerText + ", " + Self.shortTime(at)
        if kind == .voicemail, let seconds = durationSeconds { head += ", \(seconds) s" }
        let tail = playbackLink.map { " Listen: " + $0 } ?? ""
        guard kind == .voicemail else { return head + ". No message was left." + tail }
        guard let transcript else {
            return head + (transcriptFailed ? ". No transcript." : ".") + tail
        }
        let said = Self.oneLine(transcript, limit: 2_000, ellipsis: "...")
        let whole = head + ": \"" + said + "\"" + tail
        let encoding = SMSEncoding.of(whole)
        let limit = 2 * encoding.unitsPerSegment
        // "..." and not "…", which GSM-7 lacks: one would make the whole message UCS-2.
        guard let cut = encoding.prefix(of: said, fitting: max(0, limit - encoding.cost(head + ": \"...\"" + tail)))
        else { return whole }
        return head + ": \"" + cut + "...\"" + tail
    }

    /// The e-mail's subject: what happened and who called.
    public var emailSubject: String {
        let what = kind == .voicemail ? "Voicemail from " : "Missed call from "
        return what + callerText + " for " + Self.oneLine(companyName, limit: 80)
    }

    /// The e-mail's plain-text body: the same facts as the HTML one.
    public var emailText: String {
        var lines: [String] = []
        lines.append(kind == .voicemail ? "A caller left a voicemail." : "A caller reached nobody and left no message.")
        lines.append("")
        lines.append("Company: " + Self.oneLine(companyName, limit: 200))
        lines.append("From: " + callerText)
        lines.append("When: " + Self.longTime(at))
        if kind == .voicemail, let seconds = durationSeconds { lines.append("Length: \(seconds) seconds") }
        if kind == .voicemail {
            lines.append("")
            if let transcript {
                lines.append("Transcript:")
                lines.append(Self.plainLines(transcript))
            } else {
                lines.append(transcriptFailed ? "Twilio could not transcribe this message." : "No transcript.")
            }
        }
        if let playbackLink {
            lines.append("")
            lines.append("Listen: " + playbackLink)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The e-mail's HTML body, every text escaped.
    public var emailHTML: String {
        var html = "<!DOCTYPE html><html><body style=\"font-family: sans-serif\">"
        html +=
            "<p>" + (kind == .voicemail ? "A caller left a voicemail." : "A caller reached nobody and left no message.")
        html += "</p><table>"
        func row(_ name: String, _ value: String) {
            html += "<tr><th align=\"left\">" + name + "</th><td>" + Self.escapeHTML(value) + "</td></tr>"
        }
        row("Company", Self.oneLine(companyName, limit: 200))
        row("From", callerText)
        row("When", Self.longTime(at))
        if kind == .voicemail, let seconds = durationSeconds { row("Length", "\(seconds) seconds") }
        html += "</table>"
        if kind == .voicemail {
            if let transcript {
                let lines = Self.plainLines(transcript).split(separator: "\r\n", omittingEmptySubsequences: false)
                html +=
                    "<h3>Transcript</h3><blockquote>"
                    + lines.map { Self.escapeHTML(String($0)) }.joined(separator: "<br>") + "</blockquote>"
            } else {
                html +=
                    "<p>" + (transcriptFailed ? "Twilio could not transcribe this message." : "No transcript.")
                    + "</p>"
            }
        }
        if let playbackLink {
            let link = Self.escapeHTML(playbackLink)
            html += "<p><a href=\"" + link + "\">Listen to the message</a></p>"
        }
        return html + "</body></html>\r\n"
    }

    /// The caller as shown: their number, or "a withheld number".
    var callerText: String {
        caller.map { Self.oneLine($0, limit: 40, ellipsis: "...") } ?? "a withheld number"
    }

    /// `text` on one line: control characters and line breaks as spaces, runs of spaces
    /// as one, at most `limit` characters.
    static func oneLine(_ text: String, limit: Int, ellipsis: String = "…") -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let space =
                scalar.properties.isWhitespace || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            if space {
                if !lastWasSpace && !result.isEmpty { result.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        while result.hasSuffix(" ") { result.removeLast() }
        return result.count > limit ? String(result.prefix(limit)) + ellipsis : result
    }

    /// `text` as lines ending in CRLF, other control characters removed: a bare CR or LF
    /// never reaches the message.
    static func plainLines(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
            .map { oneLine(String($0), limit: 10_000) }
            .joined(separator: "\r\n")
    }

    /// `text` with `& < > " '` written as HTML entities.
    static func escapeHTML(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// `7 Dec 10:41 UTC`.
    static func shortTime(_ date: Date) -> String {
        let parts = utcParts(date)
        return "\(parts.day) \(months[parts.month - 1]) \(parts.time) UTC"
    }

    /// `Mon 7 Dec 2026, 10:41 UTC`.
    static func longTime(_ date: Date) -> String {
        let parts = utcParts(date)
        return "\(parts.weekday) \(parts.day) \(months[parts.month - 1]) \(parts.year), \(parts.time) UTC"
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday

    /// The civil date and time of `date` in UTC.
    static func utcParts(_ date: Date) -> (year: Int, month: Int, day: Int, weekday: String, time: String) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = seconds - days * 86_400
        let (year, month, day) = LocalTime.civil(days: days)
        let weekday = weekdays[((days % 7) + 7) % 7]
        let hour = inDay / 3_600
        let minute = (inDay % 3_600) / 60
        let time = (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        return (year, month, day, weekday, time)
    }
}
