import Foundation
import Testing

@testable import SwitchboardCore

/// What a company is told of a call: the text message fits two segments whatever the
/// caller said, and nothing the caller said can break a line or become markup.
@Suite("Voicemail and missed-call notices")
struct CallNoticeTests {
    static func record(transcript: String?, from: String? = "+15557654321") -> ArchiveRecord {
        var record = ArchiveRecord(
            sid: "CA" + String(repeating: "1", count: 32), kind: .call, companyId: "65a1f0c2e4b0a1a2b3c4d5e2",
            at: "2026-12-07T10:41:05.000Z")
        record.from = from
        record.to = "+15550200001"
        record.decision = "voicemail"
        record.recordingSid = "RE" + String(repeating: "1", count: 32)
        record.recordingStatus = "completed"
        record.recordingDurationSeconds = 23
        record.transcript = transcript
        record.transcriptStatus = transcript == nil ? nil : "completed"
        return record
    }

    @Test(
        "the text message fits two segments, GSM-7 or UCS-2, the transcript cut at a character with an ellipsis",
        arguments: [
            String(repeating: "call me back ", count: 320), String(repeating: "rappelez-moi 😀 ", count: 250),
            "Короткое сообщение", "short",
        ])
    func twoSegments(transcript: String) throws {
        let notice = try #require(
            CallNotice(
                record: Self.record(transcript: transcript), companyName: "Birch & Partners Law",
                playbackLink: "https://calls.example.com/p/abc"))
        let text = notice.smsText
        #expect(SMSEncoding.segments(of: text) <= 2, "\(text.count) characters")
        // A transcript GSM-7 carries keeps the message GSM-7: no "…" makes it UCS-2.
        if SMSEncoding.of(transcript) == .gsm7 { #expect(SMSEncoding.of(text) == .gsm7, "\(text)") }
        #expect(text.hasPrefix("Voicemail for Birch & Partners Law from +15557654321, 7 Dec 10:41 UTC, 23 s: \""))
        #expect(text.hasSuffix("\" Listen: https://calls.example.com/p/abc"))
        // UCS-2 leaves two segments 134 characters: a short Cyrillic message is cut too.
        if transcript.count < 50 && SMSEncoding.of(transcript) == .gsm7 {
            #expect(text.contains(transcript))
        } else {
            #expect(text.contains("...\""))
        }
    }

    @Test("line breaks and control characters never reach the text or the subject; HTML is escaped")
    func hostile() throws {
        let said = "Hi\r\nBcc: x@example.com\u{0}\u{1B}[31m <b>bold</b> & \"quoted\" 'single'"
        let notice = try #require(
            CallNotice(
                record: Self.record(transcript: said, from: "+1555\r\nX-Evil: 1"), companyName: "A\nB <Co>",
                playbackLink: nil))
        for text in [notice.smsText, notice.emailSubject] {
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 }, "\(text.debugDescription)")
        }
        #expect(notice.emailSubject == "Voicemail from +1555 X-Evil: 1 for A B <Co>")
        #expect(notice.emailHTML.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;single&#39;"))
        #expect(!notice.emailHTML.contains("<b>") && notice.emailHTML.contains("A B &lt;Co&gt;"))
        // The plain body keeps the caller's lines, each ended by CRLF, and no bare CR or LF.
        let plain = notice.emailText
        #expect(plain.contains("Hi\r\nBcc: x@example.com"))
        #expect(!plain.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(!plain.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test("what a record makes a call: voicemail, missed, or nothing to tell")
    func kinds() {
        var record = Self.record(transcript: nil)
        #expect(CallNotice.kind(of: record) == .voicemail)
        record.recordingStatus = "absent"
        #expect(CallNotice.kind(of: record) == .missedCall)
        var forward = ArchiveRecord(sid: "CA1", kind: .call, companyId: "c", at: "2026-12-07T10:41:05.000Z")
        forward.decision = "forward"
        #expect(CallNotice.kind(of: forward) == nil)  // still ringing
        forward.dialStatus = "no-answer"
        #expect(CallNotice.kind(of: forward) == .missedCall)
        forward.dialStatus = "completed"
        #expect(CallNotice.kind(of: forward) == nil)
        forward.dialStatus = nil
        forward.endedAt = "2026-12-07T10:42:00.000Z"
        #expect(CallNotice.kind(of: forward) == .missedCall)  // the caller gave up while it rang
        forward.decision = "ai-agent"
        #expect(CallNotice.kind(of: forward) == nil)
        forward.decision = "voicemail"
        forward.direction = "outbound-api"
        #expect(CallNotice.kind(of: forward) == nil)
    }

    @Test("the civil time in UTC agrees with Foundation's calendar over random instants")
    func utcTime() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...8_000_000_000)))
            let parts = CallNotice.utcParts(date)
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            #expect(parts.year == expected.year && parts.month == expected.month && parts.day == expected.day)
            #expect(parts.time == String(format: "%02d:%02d", expected.hour!, expected.minute!))
            #expect(parts.weekday == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][expected.weekday! - 1])
        }
    }

    @Test("e-mail addresses: plain ones taken; anything that could carry a header or a second recipient refused")
    func addresses() {
        for good in ["office@birch.example", "a.b+c@mail.example.co.uk", "o'neil@example.com"] {
            #expect(EmailAddress.isValid(good), "\(good)")
        }
        for bad in [
            "a@b", "office@birch.example\r\nBcc: x@y.z", "<a@b.example>", "a b@c.example", "a@b.example, c@d.example",
            "\"a\"@b.example", "a@@b.example", ".a@b.example", "a@-b.example", "a@b..example",
            String(repeating: "a", count: 65) + "@b.example",
        ] {
            #expect(!EmailAddress.isValid(bad), "\(bad.debugDescription)")
        }
    }

    @Test("a mail message: encoded subject, base64 parts, CRLF lines, nothing caller-supplied in a header")
    func mail() throws {
        let message = try #require(
            MailMessage(
                from: "voicemail@switchboard.example", to: "office@birch.example",
                subject: "Voicemail from +1555\r\nBcc: x@y.z — über", text: "hello\r\n", html: "<p>hello</p>",
                date: Date(timeIntervalSince1970: 1_796_640_065)))
        let text = String(decoding: message.rendered, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.contains("Bcc:"))
        #expect(head.contains("Date: Mon, 07 Dec 2026 10:41:05 +0000"), "\(head)")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(
            MailMessage(from: "a@b.example", to: "x@y.z\r\nBcc: q@r.s", subject: "", text: "", html: "", date: Date())
                == nil)
    }
}
