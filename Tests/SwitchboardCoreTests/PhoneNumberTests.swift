import Testing

@testable import SwitchboardCore

@Suite("E.164 phone numbers")
struct PhoneNumberTests {
    @Test(
        "every common spelling means the same number",
        arguments: [
            "+15551234567", "+1-555-123-4567", "+1 (555) 123-4567", "+1.555.123.4567", "001 555 123 4567",
            "  +1 555 123 4567\n", "0015551234567", "+1(555)1234567", "\t+1 555 123 4567\r\n",
        ])
    func spellings(text: String) throws {
        #expect(try PhoneNumber(parsing: text).e164 == "+15551234567")
    }

    @Test(
        "international numbers",
        arguments: [
            ("+44 20 7946 0958", "+442079460958"), ("+49 (30) 123456", "+4930123456"),
            ("00 33 1 23 45 67 89", "+33123456789"),
            ("+1234567", "+1234567"), ("+123456789012345", "+123456789012345"),
        ])
    func international(text: String, e164: String) throws {
        #expect(try PhoneNumber(parsing: text).e164 == e164)
    }

    @Test(
        "rejected, each with its reason",
        arguments: [
            ("5551234567", PhoneNumberError.missingCountryPrefix),
            ("555-123-4567", .missingCountryPrefix),
            ("1 555 123 4567", .missingCountryPrefix),
            ("+0 555 123 4567", .countryCodeStartsWithZero),
            ("000 555 123 4567", .countryCodeStartsWithZero),
            ("+123456", .tooFewDigits(6)),
            ("+1234567890123456", .tooManyDigits(16)),
            ("+1 555 CALL NOW", .invalidCharacter),
            ("+1555123456７", .invalidCharacter),  // a full-width digit
            ("client:alice", .invalidCharacter),
            ("sip:+15551234567@example.com", .invalidCharacter),
            ("+1 555 123 4567 ext 2", .invalidCharacter),
            ("\u{00A0}+1 555 123 4567", .invalidCharacter),  // a no-break space is not trimmed
            ("", .empty),
            ("   ", .empty),
            ("+", .empty),
            (String(repeating: "1", count: 65), .tooLong),
        ])
    func rejected(text: String, error: PhoneNumberError) {
        #expect(throws: error) { try PhoneNumber(parsing: text) }
    }

    @Test("reasons read as sentences")
    func reasons() {
        #expect(PhoneNumberError.missingCountryPrefix.description.contains("ambiguous"))
        #expect(PhoneNumberError.tooManyDigits(16).description == "has 16 digits; E.164 allows at most 15")
    }

    @Test("the legacy North American spelling")
    func legacySpelling() throws {
        #expect(try PhoneNumber(parsing: "+15551234567").legacyNorthAmericanSpelling == "+1-555-123-4567")
        #expect(try PhoneNumber(parsing: "+442079460958").legacyNorthAmericanSpelling == nil)
    }
}
