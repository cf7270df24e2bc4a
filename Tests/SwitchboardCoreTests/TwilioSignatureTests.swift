import Testing

@testable import SwitchboardCore

/// The official vectors from Twilio's helper libraries (node, python, java, go), as
/// listed in shared/reference/twilio-webhooks.md §1.4, plus the edge cases around them.
@Suite("Twilio request signatures")
struct TwilioSignatureTests {
    static let token = TwilioAuthToken("12345")
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let params = FormParameters([
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ])
    static let body = #"{"property": "value", "boolean": true}"#
    static let bodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"

    func valid(_ signature: String, _ url: String = url, _ params: FormParameters = params) -> Bool {
        TwilioSignature.isValid(signature: signature, url: url, content: .form(params), authToken: Self.token)
    }

    @Test("computes the default vector")
    func computesDefaultVector() {
        #expect(
            TwilioSignature.compute(url: Self.url, content: .form(Self.params), authToken: Self.token)
                == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(valid("RSOYDt4T1cUTdK1PDd93/VVr8B8="))
    }

    @Test("rejects wrong, empty and missing signatures")
    func rejectsWrongSignatures() {
        #expect(!valid("WRONG_SIGNATURE"))
        #expect(!valid("NOTRSOYDt4T1cUTdK1PDd93/VVr8B8="))
        #expect(!valid("RSOYDt4T1cUTdK1PDd93/VVr8B8"))
        #expect(!valid(""))
        #expect(
            !TwilioSignature.isValid(signature: nil, url: Self.url, content: .form(Self.params), authToken: Self.token))
        #expect(
            !TwilioSignature.isValid(
                signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, content: .form(Self.params),
                authToken: TwilioAuthToken("12346")))
    }

    @Test(
        "port handling: stripped, added, kept",
        arguments: [
            ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  // port stripped
            ("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),  // :443 added
            ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),  // port kept
            ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),  // :80 added
            ("https://mycompany.com:443//myapp.php?foo=1&bar=2", "A9lH3u16NjyiiM/+wylw5rirFUs="),  // as given
        ])
    func portVariants(url: String, signature: String) {
        #expect(valid(signature, url))
    }

    @Test(
        "URLs with credentials, as node signs them",
        arguments: [
            ("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10="),
            ("https://user@mycompany.com/myapp.php?foo=1&bar=2", "2YRLlVAflCqxaNicjMpJcSTgzSs="),
            ("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="),
        ])
    func credentials(url: String, signature: String) {
        #expect(valid(signature, url))
    }

    @Test("an apostrophe in the query, raw or escaped")
    func apostrophe() {
        let raw = Self.url + "&Body=It's+amazing"
        #expect(valid("dsq4Ehbj6cs+KdTkpF5sSSplOWw=", raw))
        #expect(valid("TfZzewPq8wqrGlMfyAud8+/IvJ0=", raw))  // Twilio signed it as %27
        #expect(valid("dsq4Ehbj6cs+KdTkpF5sSSplOWw=", Self.url + "&Body=It%27s+amazing"))
    }

    @Test("repeated names: values de-duplicated and sorted")
    func repeatedValues() {
        let params = FormParameters([
            ("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"),
        ])
        #expect(valid("IK+Dwps556ElfBT0I3Rgjkr1wJU=", Self.url, params))
        let array1 = FormParameters([
            ("MessagingBinding.Address", "+1325xxxxxxx"), ("MessagingBinding.Address", "+1415xxxxxxx"),
        ])
        let array2 = FormParameters([
            ("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx"),
        ])
        #expect(valid("83O6e2vORAoJHUNzJjDWN1jz+BA=", Self.url, array1))
        #expect(valid("83O6e2vORAoJHUNzJjDWN1jz+BA=", Self.url, array2))
    }

    @Test("empty values, no params, no query, extra query params")
    func emptyValues() {
        #expect(
            valid(
                "9HHp/OqQMEwdrVebHDdA/+tqjX8=", Self.url,
                FormParameters([("Digits", ""), ("CallSid", "CA1234567890ABCDE"), ("EmptyParam", "")])))
        #expect(
            valid(
                "L9lTTwIlxM1xGAtLRwhOSZggRhM=", Self.url,
                FormParameters([("Digits", ""), ("CallSid", "CA1234567890ABCDE"), ("NullParam", "")])))
        #expect(valid("zYQTYrRWXE7LtzbG4PfP7/bkkGo=", Self.url, FormParameters([])))
        #expect(valid("1xaxFBvyzXYvWplzNOSs28HWO94=", "https://mycompany.com/myapp.php"))
        #expect(
            valid(
                "hYkNsTBttoNGkyCS0p+wWmQoRTg=",
                "https://mycompany.com/myapp.php?foo=1&bar=2&type=thiswontbeusedinthesignaturegeneratorandsoshouldbeignored"
            ))
        #expect(
            valid("er2tvAP1Wx+iuTTE2BPgvEaN1cs=", "https://mycompany.com/myapp.php?foo=hello%20world&bar=test%2Bvalue"))
    }

    @Test("special characters, unicode, key order and case")
    func unicodeAndOrdering() {
        let special = FormParameters([
            ("Message", "Hello & goodbye! @#$%^*()"), ("From", "+1 (415) 867-5309"), ("Special", "unicode: ñáéíóú"),
        ])
        #expect(valid("dCPiR4WtQ6QFN6pJh81CtlCcWLQ=", Self.url, special))
        let unsorted = FormParameters([("Zebra", "last"), ("Alpha", "first"), ("Beta", "second"), ("Gamma", "third")])
        #expect(valid("enveUe73ZTVLAekHxez3Qx6JuuQ=", Self.url, unsorted))
        #expect(valid("G/Hx6mqqnjUNlPAoi2Sp9bGst0g=", "https://mycompany.com/webhook/España?año=2023"))
        let cased = FormParameters([("callSid", "lowercase"), ("CallSid", "uppercase"), ("CALLSID", "allcaps")])
        #expect(valid("jDK7WKT8wiNrwggd4ceTv4e1MJ4=", Self.url, cased))
    }

    @Test("twilio-go vectors: Reason sorts before ReasonConferenceEnded")
    func goVectors() {
        let params = FormParameters([
            ("Digits", "1234"), ("CallSid", "CA1234567890ABCDE"), ("To", "+18005551212"), ("Caller", "+14158675309"),
            ("From", "+14158675309"), ("ReasonConferenceEnded", "test"), ("Reason", "Participant"),
        ])
        #expect(valid("vOEb5UThFn24KEfnOFLQY2AE5FY=", Self.url, params))
        #expect(valid("n2xBNyzSW7rfYStDtOFiFMv7qNo=", "http://mycompany.com/myapp.php?foo=1&bar=2", params))
        // The old twilio-go bug sorted "key+value" strings; its signature must be refused.
        #expect(!valid("95+Bu0JVPi0r/SsESZCVf0dWAjw=", Self.url, params))
    }

    @Test("JSON bodies: bodySHA256 in the URL, body hash checked")
    func bodyHash() {
        func validJSON(_ signature: String, _ url: String, _ body: String) -> Bool {
            TwilioSignature.isValid(
                signature: signature, url: url, content: .raw(Array(body.utf8)), authToken: Self.token)
        }
        #expect(validJSON("a9nBmqA0ju/hNViExpshrM61xv4=", Self.url + "&bodySHA256=" + Self.bodyHash, Self.body))
        #expect(
            validJSON(
                "y77kIzt2vzLz71DgmJGsen2scGs=", "https://mycompany.com/myapp.php?bodySHA256=" + Self.bodyHash, Self.body
            ))
        let emptyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        #expect(validJSON("Ldidvp12m26NI7eqEvxnEpkd9Hc=", Self.url + "&bodySHA256=" + emptyHash, "{}"))
        // The right URL signature but a body that does not match its hash.
        #expect(!validJSON("a9nBmqA0ju/hNViExpshrM61xv4=", Self.url + "&bodySHA256=" + Self.bodyHash, Self.body + " "))
        // A body but no bodySHA256 in the URL.
        #expect(!validJSON("RSOYDt4T1cUTdK1PDd93/VVr8B8=", Self.url, Self.body))
    }

    @Test("sorting is by bytes, not by Swift's Unicode-aware String order")
    func byteOrder() {
        // "é" precomposed and "e" + combining acute are equal Swift Strings but distinct
        // parameters to Twilio: both must be signed.
        let params = FormParameters([("Name", "\u{E9}"), ("Name", "e\u{301}")])
        let payload = TwilioSignature.payload(for: .form(params))
        #expect(payload == Array("Namee\u{301}Name\u{E9}".utf8))
    }

    @Test("constant-time comparison")
    func constantTime() {
        #expect(TwilioSignature.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!TwilioSignature.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!TwilioSignature.constantTimeEqual([1, 2, 3], [1, 2]))
    }
}
