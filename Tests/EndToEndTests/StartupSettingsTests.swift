import Foundation
import SwitchboardRuntime
import TestSupport
import Testing

/// Every setting a function reads is checked at start: a malformed one stops it before it
/// answers anything, with a message naming the variable (never starting on a default).
@Suite("Malformed settings stop every function at start")
struct StartupSettingsTests {
    static let functions = ["Voice", "SMS", "ConfigGet", "ConfigPut", "Health", "Outbound"]

    @Test(
        "a malformed setting stops each function at start, naming the variable",
        arguments: [
            ("LOG_LEVEL", "loud"),
            ("SWITCHBOARD_STDIO", "strem"),
            ("SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS", "x"),
        ])
    func malformed(variable: String, value: String) throws {
        let store = try SeededStore(extraEnvironment: [
            "SWITCHBOARD_ADMIN_SECRET": "switchboard-e2e-admin-secret-0123456789abcdef"
        ])
        for function in Self.functions {
            var environment = store.environment
            environment[variable] = value
            let result = try ProcessRunner.run(
                ExampleData.executable(function), input: try ExampleData.event("voice-ai-agent"),
                environment: environment)
            #expect(result.status == 1, "\(function) with \(variable)=\(value) exited \(result.status)")
            let reply = try JSONDecoder().decode(InvocationReply.self, from: result.stdout)
            #expect(reply.response == nil, "\(function) answered with \(variable)=\(value)")
            #expect(reply.error?.type == "Function.InitError", "\(function): \(result.stdoutText)")
            #expect(reply.error?.message.contains(variable) == true, "\(function): \(result.stdoutText)")
            #expect(result.stderrText.contains(variable), "\(function): \(result.stderrText)")
        }
    }

    @Test(
        "the settings' documented values start the function",
        arguments: [
            ("LOG_LEVEL", "WARN"), ("LOG_LEVEL", "debug"), ("SWITCHBOARD_STDIO", "one-shot"),
            ("SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS", "0"),
        ])
    func accepted(variable: String, value: String) throws {
        let store = try SeededStore()
        var environment = store.environment
        environment[variable] = value
        let result = try ProcessRunner.run(
            ExampleData.executable("Voice"), input: try ExampleData.event("voice-ai-agent"), environment: environment)
        #expect(result.status == 0, "\(variable)=\(value): \(result.stdoutText) \(result.stderrText)")
        #expect(result.stdoutText.contains("\"statusCode\":200"))
    }
}
