import Foundation
import Testing

@testable import SwitchboardCore

@Suite("SMS: keywords, GSM-7 and UCS-2 segments, the planner")
struct SMSTests {
    static let tenant: TenantSnapshot = {
        var config = TwilioConfig(accountSid: "AC" + String(repeating: "a", count: 32), forwardNumber: "+15550399999")
        config.smsMode = "forward"
        return TenantSnapshot(Company(id: try! CompanyID("c1"), name: "Cedar", twilio: config))
    }()

    static func message(_ body: String, media: [String] = []) -> InboundMessage {
        InboundMessage(
            sid: "SM" + String(repeating: "1", count: 32), from: "+15557654321", to: "+15550300001", body: body,
            mediaURLs: media)
    }

    @Test(
        "keywords: the whole body, any case, white space around it; anything more is a message",
        arguments: [
            ("STOP", "STOP"), ("stop", "STOP"), ("  Stop \n", "STOP"), ("unsubscribe", "UNSUBSCRIBE"),
            ("StopAll", "STOPALL"),
            ("cancel", "CANCEL"), ("END", "END"), ("quit", "QUIT"), ("revoke", "REVOKE"), ("optout", "OPTOUT"),
            ("start", "START"), ("Yes", "YES"), ("unstop", "UNSTOP"), ("help", "HELP"), ("INFO", "INFO"),
            ("stop please", nil), ("STOP!", nil), ("don't stop", nil), ("", nil), ("stopp", nil), ("ＳＴＯＰ", nil),
        ] as [(String, String?)])
    func keywords(body: String, word: String?) {
        #expect(SMSKeyword(body: body)?.word == word)
    }

    @Test("the encoding: GSM-7 for its alphabet (extension characters cost two), UCS-2 otherwise")
    func encodings() {
        #expect(SMSEncoding.of("Hello @ £5, ¿qué?") == .gsm7)
        #expect(SMSEncoding.gsm7.cost("a{b}€") == 8)
        #expect(SMSEncoding.of("naïve") == .ucs2)  // ï is not GSM-7
        #expect(SMSEncoding.of("café") == .gsm7)  // é is
        #expect(SMSEncoding.of("👍") == .ucs2)
        #expect(SMSEncoding.ucs2.cost("a👍") == 3)  // a surrogate pair costs two
    }

    @Test("cutting never splits a surrogate pair, a combining sequence or an emoji sequence")
    func graphemeSafeCuts() throws {
        let family = "👨‍👩‍👧"  // one character, five scalars, eight UTF-16 units
        let cut = try #require(SMSEncoding.ucs2.prefix(of: "ab" + family, fitting: 5))
        #expect(cut == "ab")
        let combining = "e\u{0301}"  // é as e + combining acute: one character, two units
        #expect(SMSEncoding.ucs2.prefix(of: "x" + combining + "y", fitting: 2) == "x")
        #expect(SMSEncoding.ucs2.prefix(of: "x" + combining + "y", fitting: 3) == "x" + combining)
        #expect(SMSEncoding.gsm7.prefix(of: "ab{", fitting: 3) == "ab")  // { costs two septets
        #expect(SMSEncoding.gsm7.prefix(of: "abc", fitting: 3) == nil)  // fits already
    }

    @Test("a forward at the 10-segment boundary: GSM-7 1,530 septets, UCS-2 670 units")
    func forwardBoundaries() throws {
        let header = "From +15557654321: "
        // GSM-7: exactly 1,530 septets goes whole; one more is cut, with "...".
        let fits = String(repeating: "a", count: 1_530 - header.count)
        #expect(SMSMessagePlanner.forwardText(Self.message(fits)) == header + fits)
        let over = SMSMessagePlanner.forwardText(Self.message(fits + "b"))
        #expect(SMSEncoding.gsm7.cost(over) <= 1_530 && over.hasSuffix("...") && over.hasPrefix(header))
        // UCS-2: 670 units whole; emoji at the boundary never cut in half.
        let ucs = "é" + String(repeating: "ж", count: 670 - header.count - 1)
        #expect(SMSEncoding.ucs2.cost(SMSMessagePlanner.forwardText(Self.message(ucs))) == 670)
        let emoji = String(repeating: "😀", count: 400)
        let trimmed = SMSMessagePlanner.forwardText(Self.message(emoji))
        #expect(SMSEncoding.ucs2.cost(trimmed) <= 670)
        #expect(trimmed.hasSuffix("…"))
        #expect(trimmed.unicodeScalars.allSatisfy { $0.value != 0xFFFD })
        #expect(trimmed.dropFirst(header.count).dropLast().allSatisfy { $0 == "😀" })
        // Combining marks at the cut stay with their letter.
        let accents = String(repeating: "e\u{0301}", count: 700)
        let cut = SMSMessagePlanner.forwardText(Self.message(accents))
        #expect(cut.dropFirst(header.count).dropLast().allSatisfy { $0 == "e\u{0301}" })
        // Media URLs are kept whole; the body gives way.
        let media = ["https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"]
        let withMedia = SMSMessagePlanner.forwardText(Self.message(String(repeating: "x", count: 2_000), media: media))
        #expect(withMedia.hasSuffix("\nMedia: " + media[0]))
        #expect(SMSEncoding.gsm7.cost(withMedia) <= 1_530)
    }

    @Test("each mode, and what cannot be done falls back to nothing, with a reason")
    func planner() throws {
        let planner = SMSMessagePlanner()
        var tenant = Self.tenant
        let forward = planner.answer(
            tenant: tenant, message: Self.message("Leak <under> the sink & more", media: ["https://x.example/m1"]))
        #expect(forward.action == "forward")
        #expect(
            forward.twiml.contains(
                #"<Message to="+15550399999">From +15557654321: Leak &lt;under&gt; the sink &amp; more"#))
        #expect(forward.twiml.contains("Media: https://x.example/m1"))
        tenant.smsForwardNumber = "+15550388888"
        #expect(planner.answer(tenant: tenant, message: Self.message("hi")).twiml.contains(#"to="+15550388888""#))
        tenant.smsMode = "auto-reply"
        tenant.smsAutoReply = "Thanks! We'll reply soon."
        let reply = planner.answer(tenant: tenant, message: Self.message("hi"))
        #expect(
            reply.action == "auto-reply"
                && reply.twiml.hasSuffix("<Response><Message>Thanks! We&apos;ll reply soon.</Message></Response>"))
        let stop = planner.answer(tenant: tenant, message: Self.message("Stop"))
        #expect(stop.action == "keyword" && stop.keyword?.kind == .optOut && stop.twiml.hasSuffix("<Response/>"))
        tenant.smsAutoReply = nil
        #expect(planner.answer(tenant: tenant, message: Self.message("hi")).fallbackReason != nil)
        tenant.smsMode = nil
        #expect(planner.answer(tenant: tenant, message: Self.message("hi")).action == "none")
        tenant.smsMode = "broadcast"
        let unknown = planner.answer(tenant: tenant, message: Self.message("hi"))
        #expect(unknown.action == "none" && unknown.fallbackReason?.contains("broadcast") == true)
    }
}

@Suite("doctor: SMS settings that cannot work")
struct SMSDoctorTests {
    @Test("an unknown mode, auto-reply without a text, forward without a number are named")
    func findings() throws {
        func company(_ id: String, _ edit: (inout TwilioConfig) -> Void) -> Company {
            var config = TwilioConfig()
            edit(&config)
            return Company(id: try! CompanyID(id), name: id, twilio: config)
        }
        let findings = DirectoryDoctor().examine([
            company("a") { $0.smsMode = "broadcast" },
            company("b") { $0.smsMode = "auto-reply" },
            company("c") { $0.smsMode = "forward" },
            company("d") {
                $0.smsMode = "forward"
                $0.forwardNumber = "+15550199999"
            },
            company("e") {
                $0.smsMode = "auto-reply"
                $0.smsAutoReply = "Hi"
            },
        ]).filter { $0.kind == .smsUnworkable }
        #expect(findings.map(\.companyIDs) == [["a"], ["b"], ["c"]])
    }
}
