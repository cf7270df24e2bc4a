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
        let result = try ProcessRunner.run(lint, [Self.template], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
    }

    @Test("the SAM transform makes the five functions, their routes and Twilio's URLs")
    func transform() throws {
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/validate_template.py").path
        let result = try ProcessRunner.run(try TestPaths.python(), [script, Self.template], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("0 failed"))
    }
}
