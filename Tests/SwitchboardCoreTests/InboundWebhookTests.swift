import Foundation
import Testing

@testable import SwitchboardCore

@Suite("Inbound webhooks: the signed URL and the owning company's signature")
struct InboundWebhookTests {
    static let sealer = DirectoryFixtures.sealer
    static let accountA = "AC" + String(repeating: "a", count: 32)
    static let accountB = "AC" + String(repeating: "b", count: 32)

    static func tenant(_ id: String, account: String, token: String) -> TenantSnapshot {
        let companyID = try! CompanyID(id)
        return TenantSnapshot(
            Company(
                id: companyID, name: id,
                twilio: TwilioConfig(
                    accountSid: account, authToken: .sealed(sealer.seal(token, companyID: id, field: .authToken)))))
    }

    static func webhook(account: String, signedWith token: String, publicBase: PublicBaseURL? = nil, query: String = "")
        throws -> InboundWebhook
    {
        let body = "AccountSid=\(account)&To=%2B15550100001&CallSid=CA1"
        let url =
            (publicBase?.base ?? "https://abc.execute-api.us-east-1.amazonaws.com") + "/api/twilio/voice"
            + (query.isEmpty ? "" : "?" + query)
        let signature = TwilioSignature.compute(
            url: url, content: .form(try FormParameters(decoding: Array(body.utf8))), authToken: TwilioAuthToken(token))
        return try InboundWebhook(
            host: "abc.execute-api.us-east-1.amazonaws.com", path: "/api/twilio/voice", rawQuery: query,
            contentType: "application/x-www-form-urlencoded; charset=utf-8", body: Array(body.utf8),
            signature: signature, publicBase: publicBase)
    }

    @Test(
        "X-Forwarded-Proto: http only when its first value says so, any case; anything else, or none, is https",
        arguments: [
            ("http", "http"), ("HTTP", "http"), (" http ", "http"), ("http, https", "http"), ("https", "https"),
            ("https,http", "https"), ("", "https"), ("ftp", "https"), ("http2", "https"),
        ])
    func forwardedScheme(header: String, scheme: String) throws {
        #expect(InboundWebhook.scheme(forwardedProto: header) == scheme)
        let webhook = try InboundWebhook(
            host: "127.0.0.1:3000", path: "/api/twilio/voice", rawQuery: "", contentType: nil, body: [],
            signature: nil, publicBase: nil, forwardedProto: header)
        #expect(webhook.endpointURL == scheme + "://127.0.0.1:3000/api/twilio/voice")
        #expect(InboundWebhook.scheme(forwardedProto: nil) == "https")
        let behindPublicBase = try InboundWebhook(
            host: "127.0.0.1:3000", path: "/api/twilio/voice", rawQuery: "", contentType: nil, body: [],
            signature: nil, publicBase: try PublicBaseURL("https://calls.example.com"), forwardedProto: header)
        #expect(behindPublicBase.endpointURL == "https://calls.example.com/api/twilio/voice")
    }

    @Test("the URL is https + host + path + query, or the public base + path + query")
    func signedURL() throws {
        let direct = try Self.webhook(account: Self.accountA, signedWith: "t", query: "whisper=1&companyId=x")
        #expect(direct.url == "https://abc.execute-api.us-east-1.amazonaws.com/api/twilio/voice?whisper=1&companyId=x")
        #expect(direct.endpointURL == "https://abc.execute-api.us-east-1.amazonaws.com/api/twilio/voice")
        #expect(direct.query["companyId"] == "x")
        let proxied = try Self.webhook(
            account: Self.accountA, signedWith: "t", publicBase: try PublicBaseURL("https://calls.example.com/"))
        #expect(proxied.url == "https://calls.example.com/api/twilio/voice")
    }

    @Test("the owning company's signature and account are accepted")
    func accepted() throws {
        let tenant = Self.tenant("a", account: Self.accountA, token: "token-a")
        try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(
            for: tenant, vault: AuthTokenVault(sealer: Self.sealer))
    }

    @Test("another company's token or account is refused")
    func crossTenant() throws {
        let tenantA = Self.tenant("a", account: Self.accountA, token: "token-a")
        // Company B's genuine request, replayed against company A's number.
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(account: Self.accountB, signedWith: "token-b").authenticate(
                for: tenantA, vault: AuthTokenVault(sealer: Self.sealer))
        }
        // Signed with A's token, but claiming B's account.
        #expect(throws: WebhookRejection.accountMismatch) {
            try Self.webhook(account: Self.accountB, signedWith: "token-a").authenticate(
                for: tenantA, vault: AuthTokenVault(sealer: Self.sealer))
        }
    }

    @Test("during a rotation: the old token is accepted until it expires, the new one at once, another company's never")
    func rotationGracePeriod() throws {
        var tenant = Self.tenant("a", account: Self.accountA, token: "token-new")
        tenant.authTokenPrevious = .sealed(Self.sealer.seal("token-old", companyID: "a", field: .authTokenPrevious))
        tenant.authTokenPreviousExpiresAt = "2027-01-15T08:00:00.000Z"
        let expiry = try #require(Timestamp.parse("2027-01-15T08:00:00.000Z"))
        let vault = AuthTokenVault(sealer: Self.sealer)
        let before = expiry.addingTimeInterval(-1)
        let after = expiry.addingTimeInterval(1)
        try Self.webhook(account: Self.accountA, signedWith: "token-new").authenticate(
            for: tenant, vault: vault, now: before)
        try Self.webhook(account: Self.accountA, signedWith: "token-new").authenticate(
            for: tenant, vault: vault, now: after)
        try Self.webhook(account: Self.accountA, signedWith: "token-old").authenticate(
            for: tenant, vault: vault, now: before)
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(account: Self.accountA, signedWith: "token-old").authenticate(
                for: tenant, vault: vault, now: after)
        }
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(account: Self.accountA, signedWith: "token-b").authenticate(
                for: tenant, vault: vault, now: before)
        }
        // A previous token sealed as the current field (copied, not rotated) does not open.
        tenant.authTokenPrevious = .sealed(Self.sealer.seal("token-old", companyID: "a", field: .authToken))
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(account: Self.accountA, signedWith: "token-old").authenticate(
                for: tenant, vault: vault, now: before)
        }
    }

    @Test("missing signature, missing credentials, unopenable token")
    func otherRejections() throws {
        let tenant = Self.tenant("a", account: Self.accountA, token: "token-a")
        let unsigned = try InboundWebhook(
            host: "h", path: "/", rawQuery: "", contentType: nil, body: Array("To=1".utf8), signature: nil,
            publicBase: nil)
        #expect(throws: WebhookRejection.missingSignature) {
            try unsigned.authenticate(for: tenant, vault: AuthTokenVault(sealer: Self.sealer))
        }
        var bare = tenant
        bare.authToken = nil
        #expect(throws: WebhookRejection.tenantHasNoCredentials) {
            try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(
                for: bare, vault: AuthTokenVault(sealer: Self.sealer))
        }
        let otherKey = SecretSealer(current: try .init(bytes: Array(repeating: 1, count: 32)))
        #expect(throws: WebhookRejection.self) {
            try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(
                for: tenant, vault: AuthTokenVault(sealer: otherKey))
        }
    }

    @Test(
        "bad requests are errors with reasons",
        arguments: [
            (Array(repeating: UInt8(ascii: "a"), count: 70_000), "", WebhookRequestError.bodyTooLarge(limit: 65_536)),
            (Array("To=%ZZ".utf8), "", .malformedBody(.invalidEscape)),
            (Array("To=1".utf8), "a=%", .malformedQuery(.truncatedEscape)),
        ])
    func badRequests(body: [UInt8], query: String, error: WebhookRequestError) {
        #expect(throws: error) {
            try InboundWebhook(
                host: "h", path: "/", rawQuery: query, contentType: nil, body: body, signature: "x", publicBase: nil)
        }
    }

    @Test("the vault opens a token once, and a changed token afresh")
    func vault() throws {
        let vault = AuthTokenVault(sealer: Self.sealer, capacity: 2)
        let first = Self.tenant("a", account: Self.accountA, token: "token-a")
        let rotated = Self.tenant("a", account: Self.accountA, token: "token-a2")
        try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(for: first, vault: vault)
        try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(for: first, vault: vault)
        try Self.webhook(account: Self.accountA, signedWith: "token-a2").authenticate(for: rotated, vault: vault)
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(account: Self.accountA, signedWith: "token-a").authenticate(for: rotated, vault: vault)
        }
        for index in 0..<5 {  // past capacity, entries are dropped and opened again
            let tenant = Self.tenant("c\(index)", account: Self.accountA, token: "token-\(index)")
            try Self.webhook(account: Self.accountA, signedWith: "token-\(index)").authenticate(
                for: tenant, vault: vault)
        }
    }

    @Test("a host is needed unless a public URL is set")
    func missingHost() {
        #expect(throws: WebhookRequestError.missingHost) {
            try InboundWebhook(
                host: nil, path: "/", rawQuery: "", contentType: nil, body: [], signature: nil, publicBase: nil)
        }
        #expect(throws: WebhookRequestError.missingHost) {
            try InboundWebhook(
                host: "evil.com/x", path: "/", rawQuery: "", contentType: nil, body: [], signature: nil, publicBase: nil
            )
        }
    }

    @Test(
        "public base URLs",
        arguments: [
            ("https://calls.example.com", true), ("https://calls.example.com/prefix/", true),
            ("http://localhost:3000", true),
            ("calls.example.com", false), ("https://x.com/?a=1", false), ("https:// x.com", false),
            ("ftp://x.com", false),
        ])
    func publicBase(text: String, valid: Bool) {
        #expect(((try? PublicBaseURL(text)) != nil) == valid)
    }
}

/// Webhooks signed with a SharedKey (`X-Twilio-Webhooks-Signature-Settings`).
@Suite("Inbound webhooks signed with a shared key")
struct SharedKeyWebhookTests {
    typealias T = InboundWebhookTests
    static let keyA = "webhooks_sharedkey_" + String(repeating: "a", count: 26)
    static let keyB = "webhooks_sharedkey_" + String(repeating: "b", count: 26)

    static func sharedKey(_ sid: String, _ secret: String, company: String, algorithm: String = "HMAC_SHA256")
        -> WebhookSharedKey
    {
        WebhookSharedKey(
            sid: sid, secret: .sealed(T.sealer.seal(secret, companyID: company, field: .webhookSharedKey)),
            algorithm: algorithm)
    }

    /// Company `a`, its token `token-a`, signing with SharedKey `keyA` (`secret-a`).
    static func tenant(require: Bool = false) -> TenantSnapshot {
        var tenant = T.tenant("a", account: T.accountA, token: "token-a")
        tenant.webhookSharedKey = sharedKey(keyA, "secret-a", company: "a")
        tenant.requireSharedKey = require
        return tenant
    }

    /// A webhook from `account` signed with `secret` and `algorithm`, its header naming `header`.
    static func webhook(
        account: String = T.accountA, secret: String, algorithm: WebhookSignatureAlgorithm = .hmacSHA256,
        header: String?
    ) throws -> InboundWebhook {
        let body = "AccountSid=\(account)&To=%2B15550100001&CallSid=CA1"
        let url = "https://abc.execute-api.us-east-1.amazonaws.com/api/twilio/voice"
        let signature = TwilioSignature.compute(
            url: url, content: .form(try FormParameters(decoding: Array(body.utf8))),
            key: WebhookSigningKey(secret: secret, algorithm: algorithm))
        return try InboundWebhook(
            host: "abc.execute-api.us-east-1.amazonaws.com", path: "/api/twilio/voice", rawQuery: "",
            contentType: "application/x-www-form-urlencoded", body: Array(body.utf8), signature: signature,
            signatureSettings: header, publicBase: nil)
    }

    @Test(
        "the company's key, with the algorithm the header names, is accepted; its auth token still is, unless the key is required"
    )
    func accepted() throws {
        let vault = AuthTokenVault(sealer: T.sealer)
        try Self.webhook(secret: "secret-a", header: "key=\(Self.keyA),algorithm=HMAC_SHA256").authenticate(
            for: Self.tenant(), vault: vault)
        try Self.webhook(secret: "secret-a", algorithm: .hmacSHA1, header: " key=\(Self.keyA) , algorithm=HMAC_SHA1")
            .authenticate(for: Self.tenant(), vault: vault)
        try T.webhook(account: T.accountA, signedWith: "token-a").authenticate(for: Self.tenant(), vault: vault)
        #expect(throws: WebhookRejection.sharedKeyRequired) {
            try T.webhook(account: T.accountA, signedWith: "token-a").authenticate(
                for: Self.tenant(require: true), vault: vault)
        }
        try Self.webhook(secret: "secret-a", header: "key=\(Self.keyA),algorithm=HMAC_SHA256").authenticate(
            for: Self.tenant(require: true), vault: vault)
    }

    @Test("refused: another company's key, an unknown key, an unknown algorithm, a wrong secret, another account")
    func refused() throws {
        let vault = AuthTokenVault(sealer: T.sealer)
        let tenant = Self.tenant()
        // Company B's key and secret, genuinely signed, against company A.
        #expect(throws: WebhookRejection.unknownSigningKey) {
            try Self.webhook(secret: "secret-b", header: "key=\(Self.keyB),algorithm=HMAC_SHA256").authenticate(
                for: tenant, vault: vault)
        }
        #expect(throws: WebhookRejection.unknownSigningKey) {
            try Self.webhook(secret: "secret-a", header: "algorithm=HMAC_SHA256").authenticate(
                for: tenant, vault: vault)
        }
        for algorithm in ["HMAC_MD5", "hmac_sha256", "", "NONE"] {
            #expect(throws: WebhookRejection.self, "\(algorithm)") {
                try Self.webhook(secret: "secret-a", header: "key=\(Self.keyA),algorithm=\(algorithm)").authenticate(
                    for: tenant, vault: vault)
            }
        }
        // The right key named, signed with something else (the auth token, among others).
        #expect(throws: WebhookRejection.signatureMismatch) {
            try Self.webhook(secret: "token-a", header: "key=\(Self.keyA),algorithm=HMAC_SHA256").authenticate(
                for: tenant, vault: vault)
        }
        #expect(throws: WebhookRejection.accountMismatch) {
            try Self.webhook(account: T.accountB, secret: "secret-a", header: "key=\(Self.keyA),algorithm=HMAC_SHA256")
                .authenticate(for: tenant, vault: vault)
        }
    }

    @Test("after a rotation: the previous key is accepted inside its grace, refused after it")
    func previousKey() throws {
        let vault = AuthTokenVault(sealer: T.sealer)
        var tenant = Self.tenant()
        tenant.webhookSharedKeyPrevious = Self.sharedKey(Self.keyB, "secret-old", company: "a")
        tenant.webhookSharedKeyPreviousExpiresAt = "2030-01-01T00:00:00.000Z"
        let old = try Self.webhook(secret: "secret-old", header: "key=\(Self.keyB),algorithm=HMAC_SHA256")
        try old.authenticate(for: tenant, vault: vault, now: Timestamp.parse("2029-12-31T23:59:59.000Z")!)
        #expect(throws: WebhookRejection.unknownSigningKey) {
            try old.authenticate(for: tenant, vault: vault, now: Timestamp.parse("2030-01-01T00:00:01.000Z")!)
        }
        #expect(old.signedWith == "\(Self.keyB) HMAC_SHA256")
        #expect(!old.signedWith.contains("secret"))
    }
}
