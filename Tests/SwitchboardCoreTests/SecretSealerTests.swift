import Testing

@testable import SwitchboardCore

@Suite("Sealing secrets at rest")
struct SecretSealerTests {
    static let key = try! SecretSealer.DataKey(bytes: Array(repeating: 7, count: 32))
    static let otherKey = try! SecretSealer.DataKey(bytes: Array(repeating: 9, count: 32))
    static let token = "0123456789abcdef0123456789abcdef"

    @Test("a sealed value is not the plaintext and opens again")
    func roundTrip() throws {
        let sealer = SecretSealer(current: Self.key)
        let sealed = sealer.seal(Self.token, companyID: "c1", field: .authToken)
        #expect(sealed.stored.hasPrefix("sealed:v1:\(Self.key.id):"))
        #expect(!sealed.stored.contains(Self.token))
        #expect(try sealer.open(.sealed(sealed), companyID: "c1", field: .authToken) == Self.token)
    }

    @Test("sealing twice gives different values (fresh nonce)")
    func freshNonce() {
        let sealer = SecretSealer(current: Self.key)
        #expect(
            sealer.seal(Self.token, companyID: "c1", field: .authToken)
                != sealer.seal(Self.token, companyID: "c1", field: .authToken))
    }

    @Test("the wrong key is a clear error, and the key id says which key is missing")
    func wrongKey() {
        let sealed = SecretSealer(current: Self.key).seal(Self.token, companyID: "c1", field: .authToken)
        #expect(throws: SealingError.unknownKey(Self.key.id)) {
            try SecretSealer(current: Self.otherKey).open(.sealed(sealed), companyID: "c1", field: .authToken)
        }
    }

    @Test("previous keys still open old values after rotation")
    func rotation() throws {
        let sealed = SecretSealer(current: Self.key).seal(Self.token, companyID: "c1", field: .authToken)
        let rotated = SecretSealer(current: Self.otherKey, previous: [Self.key])
        #expect(try rotated.open(.sealed(sealed), companyID: "c1", field: .authToken) == Self.token)
        #expect(rotated.seal(Self.token, companyID: "c1", field: .authToken).stored.contains(Self.otherKey.id))
    }

    @Test("a value sealed for one company or field does not open for another")
    func boundToCompanyAndField() {
        let sealer = SecretSealer(current: Self.key)
        let sealed = sealer.seal(Self.token, companyID: "c1", field: .authToken)
        #expect(throws: SealingError.authenticationFailed) {
            try sealer.open(.sealed(sealed), companyID: "c2", field: .authToken)
        }
        #expect(throws: SealingError.authenticationFailed) {
            try sealer.open(.sealed(sealed), companyID: "c1", field: .apiSecret)
        }
    }

    @Test("tampering is detected")
    func tampering() {
        let sealer = SecretSealer(current: Self.key)
        var text = Array(sealer.seal(Self.token, companyID: "c1", field: .authToken).stored.utf8)
        text[text.count - 3] = text[text.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let tampered = StoredSecret(stored: String(decoding: text, as: UTF8.self))
        #expect(throws: SealingError.authenticationFailed) {
            try sealer.open(tampered, companyID: "c1", field: .authToken)
        }
        #expect(throws: SealingError.damaged) {
            try sealer.open(StoredSecret(stored: "sealed:v1:nokeyid"), companyID: "c1", field: .authToken)
        }
    }

    @Test("legacy plaintext values are still read")
    func legacyPlaintext() throws {
        let stored = StoredSecret(stored: Self.token)
        #expect(!stored.isSealed)
        #expect(try SecretSealer(current: Self.key).open(stored, companyID: "c1", field: .authToken) == Self.token)
    }

    @Test("secrets print as <redacted>")
    func redacted() {
        let stored = StoredSecret(stored: Self.token)
        #expect("\(stored)" == "<redacted>")
        #expect(String(reflecting: stored) == "<redacted>")
        #expect("\(TwilioAuthToken(Self.token))" == "<redacted>")
    }

    @Test(
        "the key setting: missing, malformed, short",
        arguments: [
            ([:], "SWITCHBOARD_DATA_KEY is not set"),
            (["SWITCHBOARD_DATA_KEY": "not base64!"], "SWITCHBOARD_DATA_KEY is malformed: data key is not base64"),
            (
                ["SWITCHBOARD_DATA_KEY": "c2hvcnQ="],
                "SWITCHBOARD_DATA_KEY is malformed: data key must be 32 bytes, got 5"
            ),
            (
                [
                    "SWITCHBOARD_DATA_KEY": "c3dpdGNoYm9hcmQtZGVtby1rZXktbm90LXNlY3JldCE=",
                    "SWITCHBOARD_DATA_KEY_PREVIOUS": "x",
                ],
                "SWITCHBOARD_DATA_KEY_PREVIOUS entry 1 is malformed"
            ),
        ])
    func keySetting(values: [String: String], message: String) {
        do {
            _ = try Settings.sealer(Environment(values))
            Issue.record("expected a configuration error")
        } catch {
            #expect(error.description.hasPrefix(message))
        }
    }
}
