import Foundation
import SwitchboardCore
import TestSupport
import Testing

@testable import SwitchboardAdmin

@Suite("Admin tokens: jwt-kit's verifier, cross-checked with PyJWT")
struct AdminTokenTests {
    static let secret = "switchboard-test-admin-secret-0123456789abcdef"
    static let other = "another-deployment-secret-0123456789abcdefghij"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func verifier(previous: String? = nil) throws -> AdminTokenVerifier {
        AdminTokenVerifier(secrets: try AdminSecrets(current: secret, previous: previous))
    }

    /// Runs the PyJWT helper.
    static func python(_ arguments: [String]) throws -> Data {
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [TestPaths.packageRoot.appendingPathComponent("Tests/Support/jwt_cases.py").path] + arguments,
            environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw TestSetupError("jwt_cases.py failed: \(result.stderrText)") }
        return result.stdout
    }

    struct Case: Decodable, CustomTestStringConvertible {
        let name: String
        let token: String
        let expect: String
        var testDescription: String { name }
    }

    @Test("tokens PyJWT makes: each accepted or refused for the right reason")
    func pyJWTCases() throws {
        let cases = try JSONDecoder().decode(
            [Case].self,
            from: try Self.python(["make", Self.secret, Self.other, "\(Int(Self.now.timeIntervalSince1970))"]))
        #expect(cases.count >= 20)
        let verifier = try Self.verifier()
        for item in cases {
            let outcome: String
            do {
                let identity = try verifier.identity(fromAuthorization: "Bearer " + item.token, now: Self.now)
                switch identity.role {
                case .admin: outcome = "admin"
                case .company(let id):
                    outcome = "company"
                    #expect(id.rawValue == "65a1f0c2e4b0a1a2b3c4d5e1")
                }
            } catch {
                switch error {
                case .expired: outcome = "expired"
                case .notYetValid: outcome = "notYetValid"
                case .badSignature: outcome = "badSignature"
                case .wrongAlgorithm: outcome = "wrongAlgorithm"
                case .malformed: outcome = "malformed"
                case .missing: outcome = "missing"
                }
                #expect(!error.description.contains(item.token), "an error repeated the token")
            }
            #expect(outcome == item.expect, "\(item.name): \(outcome), expected \(item.expect)")
        }
    }

    @Test("a token Switchboard issues is read by PyJWT as HS256 with the claims asked for")
    func issuedTokensReadByPyJWT() throws {
        let secrets = try AdminSecrets(current: Self.secret)
        let token = try AdminTokenIssuer(secrets: secrets).token(
            subject: "carol@example.com", role: .company(try CompanyID("65a1f0c2e4b0a1a2b3c4d5e3")),
            lifetime: .seconds(600),
            now: Date(timeIntervalSinceNow: -0.25))
        let read =
            try JSONSerialization.jsonObject(with: try Self.python(["read", Self.secret, token]))
            as? [String: [String: Any]]
        #expect(
            read?["wholeSeconds"] as? [String: Bool] == ["exp": true, "iat": true],
            "exp and iat are whole seconds: \(read?["claims"] ?? [:])")
        let claims = try #require(read?["claims"])
        #expect(read?["header"]?["alg"] as? String == "HS256")
        #expect(claims["sub"] as? String == "carol@example.com")
        #expect(claims["role"] as? String == "company")
        #expect(claims["companyId"] as? String == "65a1f0c2e4b0a1a2b3c4d5e3")
        let lifetime = (claims["exp"] as? Double ?? 0) - (claims["iat"] as? Double ?? 0)
        #expect(lifetime == 600)
        // And Switchboard reads its own.
        let identity = try AdminTokenVerifier(secrets: secrets).identity(fromAuthorization: "Bearer " + token)
        #expect(
            identity
                == AdminIdentity(
                    subject: "carol@example.com", role: .company(try CompanyID("65a1f0c2e4b0a1a2b3c4d5e3")),
                    expiresAt: identity.expiresAt))
    }

    @Test("rotating the secret: tokens of the previous secret still verify, others do not")
    func rotation() throws {
        let old = try AdminTokenIssuer(secrets: try AdminSecrets(current: Self.other)).token(
            subject: "ops", role: .admin, lifetime: .seconds(60), now: Self.now)
        let new = try AdminTokenIssuer(secrets: try AdminSecrets(current: Self.secret)).token(
            subject: "ops", role: .admin, lifetime: .seconds(60), now: Self.now)
        let rotating = try Self.verifier(previous: Self.other)
        #expect(try rotating.identity(fromAuthorization: "Bearer " + old, now: Self.now).role == .admin)
        #expect(try rotating.identity(fromAuthorization: "Bearer " + new, now: Self.now).role == .admin)
        #expect(throws: AdminAuthError.badSignature) {
            try Self.verifier().identity(fromAuthorization: "Bearer " + old, now: Self.now)
        }
    }

    @Test("the header itself: missing, another scheme, no token, too long")
    func header() throws {
        let verifier = try Self.verifier()
        #expect(throws: AdminAuthError.missing) { try verifier.identity(fromAuthorization: nil) }
        #expect(throws: AdminAuthError.missing) { try verifier.identity(fromAuthorization: "") }
        #expect(throws: AdminAuthError.self) { try verifier.identity(fromAuthorization: "Basic dXNlcjpwYXNz") }
        #expect(throws: AdminAuthError.self) { try verifier.identity(fromAuthorization: "Bearer") }
        #expect(throws: AdminAuthError.self) {
            try verifier.identity(fromAuthorization: "Bearer " + String(repeating: "a", count: 9_000))
        }
    }

    @Test(
        "a secret shorter than 32 bytes stops start-up, naming the variable and not the value",
        arguments: [
            ["SWITCHBOARD_ADMIN_SECRET": "short-secret"],
            ["SWITCHBOARD_ADMIN_SECRET": secret, "SWITCHBOARD_ADMIN_SECRET_PREVIOUS": "also-short"],
            [:],
        ])
    func shortSecrets(environment: [String: String]) {
        do {
            _ = try AdminSecrets.fromEnvironment(Environment(environment))
            Issue.record("accepted \(environment.keys.sorted())")
        } catch {
            #expect(error.variable.hasPrefix("SWITCHBOARD_ADMIN_SECRET"))
            #expect(!error.description.contains("short"), "the error repeated the secret: \(error)")
        }
    }
}
