import Foundation
import TestSupport
import Testing

/// template.yaml, checked offline: cfn-lint (which runs the SAM transform and
/// CloudFormation's rules) and aws-sam-translator with Switchboard's own expectations.
@Suite("AWS SAM template")
struct TemplateTests {
    static let template = TestPaths.packageRoot.appendingPathComponent("template.yaml").path

    @Test("cfn-lint finds nothing wrong")
    func cfnLint() throws {
        let python = try TestPaths.python()
        let lint = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("cfn-lint").path
        let result = try ProcessRunner.run(
            lint, [Self.template], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }

    @Test("the SAM transform makes the six functions, their routes and Twilio's URLs")
    func transform() throws {
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/validate_template.py").path
        let result = try ProcessRunner.run(
            try TestPaths.python(), [script, Self.template],
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("0 failed"))
    }

    @Test("openapi.yaml is valid OpenAPI 3.1 (openapi-spec-validator) and names every route")
    func openAPI() throws {
        let spec = TestPaths.packageRoot.appendingPathComponent("openapi.yaml").path
        let result = try ProcessRunner.run(
            try TestPaths.python(),
            [TestPaths.packageRoot.appendingPathComponent("Tests/Support/check_openapi.py").path, spec],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        for route in [
            "/api/companies:", "/api/companies/{companyId}/twilio/config:", "/api/companies/{companyId}/messages:",
            "/api/companies/{companyId}/calls:", "/api/admin/notifications/dependency-health:", "/api/twilio/voice:",
            "/api/twilio/sms:",
        ] {
            #expect(text.contains("\n  " + route), "openapi.yaml does not describe \(route)")
        }
    }
}
