import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// Signatures computed by Twilio's official Python helper library for random requests
/// (unicode, repeated names, empty values, quotes, ports) must validate here, and a
/// request or signature with one byte changed must not.
@Suite("Signature cross-check with twilio-python")
struct SignatureCrossCheckTests {
    struct Case: Decodable {
        let token: String
        let url: String
        let params: [[String]]
        let signature: String
        let signedUrl: String
    }

    struct Cases: Decodable { let cases: [Case] }

    static func loadCases(count: Int, seed: Int, algorithm: String = "HMAC_SHA1") throws -> [Case] {
        let python = try TestPaths.python()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            TestPaths.packageRoot.appendingPathComponent("Tests/Support/twilio_signature_cases.py").path, "\(count)",
            "\(seed)", algorithm,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the case generator failed")
        return try JSONDecoder().decode(Cases.self, from: data).cases
    }

    @Test(
        "500 random requests signed by twilio-python validate; flipped bytes do not: with an auth token (HMAC-SHA1) and with a SharedKey (HMAC_SHA256, HMAC_SHA1)",
        arguments: ["HMAC_SHA1 token", "HMAC_SHA256", "HMAC_SHA1"])
    func randomRequests(kind: String) throws {
        let algorithm = String(kind.prefix { $0 != " " })
        let cases = try Self.loadCases(count: 500, seed: Int.random(in: 1...1_000_000), algorithm: algorithm)
        #expect(cases.count == 500)
        for item in cases {
            let params = FormParameters(item.params.map { ($0[0], $0[1]) })
            let token =
                kind.hasSuffix("token")
                ? WebhookSigningKey(TwilioAuthToken(item.token))
                : WebhookSigningKey(secret: item.token, algorithm: WebhookSignatureAlgorithm(rawValue: algorithm)!)
            #expect(
                TwilioSignature.isValid(signature: item.signature, url: item.url, content: .form(params), key: token),
                "twilio-python's signature for \(item.url) did not validate")
            #expect(TwilioSignature.compute(url: item.signedUrl, content: .form(params), key: token) == item.signature)

            // One byte of the signature changed.
            var signature = Array(item.signature.utf8)
            let position = Int.random(in: 0..<(signature.count - 1))  // the last byte is '=' padding
            signature[position] = signature[position] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(
                !TwilioSignature.isValid(
                    signature: String(decoding: signature, as: UTF8.self), url: item.url, content: .form(params),
                    key: token))

            // One parameter value changed (so that the distinct pairs, which are what is
            // signed, differ: a value made equal to another of its name's would not), or
            // the URL.
            if let first = item.params.first {
                func signed(_ pairs: [(String, String)]) -> Set<[[UInt8]]> {
                    Set(pairs.map { [Array($0.0.utf8), Array($0.1.utf8)] })
                }
                let original = item.params.map { ($0[0], $0[1]) }
                var tampered = original
                var suffix = "x"
                repeat {
                    tampered[0] = (first[0], first[1] + suffix)
                    suffix += "x"
                } while signed(tampered) == signed(original)
                #expect(
                    !TwilioSignature.isValid(
                        signature: item.signature, url: item.url, content: .form(FormParameters(tampered)), key: token))
            } else {
                #expect(
                    !TwilioSignature.isValid(
                        signature: item.signature, url: item.url + "x", content: .form(params), key: token))
            }
        }
    }
}
