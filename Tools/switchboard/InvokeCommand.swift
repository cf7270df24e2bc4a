import ArgumentParser
import Foundation
import SwitchboardBase
import SwitchboardRuntime

/// `switchboard invoke <Function> --event <file>`: runs a function one-shot.
struct InvokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Run a function once on an event file and print its response.",
        discussion: """
            The event is an AWS payload format 2.0 event, as in Examples/events/. The \
            function runs exactly as `<Function> < event.json` would, with this \
            environment. The answer goes to standard output; the function's log lines go \
            to standard error, warnings and worse only unless LOG_LEVEL is set or \
            --verbose is given.
            """
    )

    @Argument(help: "The function: Voice, SMS, ConfigGet, ConfigPut, Health or Outbound.")
    var function: String

    @Option(help: "The event file.")
    var event: String

    @Option(
        name: .customLong("header"),
        help: ArgumentHelp(
            "Add or replace a request header, e.g. \"authorization: Bearer $TOKEN\" (repeatable).",
            valueName: "name: value"))
    var headers: [String] = []

    @Flag(help: "Print the response JSON exactly as the function wrote it.")
    var json = false

    @Flag(help: "Show every log line the function writes (its info lines too), on standard error.")
    var verbose = false

    func run() throws {
        let executable = try FunctionExecutable(named: function)
        guard var input = FileManager.default.contents(atPath: event) else {
            throw CommandFailure("cannot read event file \(event)")
        }
        if !headers.isEmpty { input = try Self.adding(headers, to: input, file: event) }
        var environment = ProcessInfo.processInfo.environment
        if !verbose && environment["LOG_LEVEL"] == nil { environment["LOG_LEVEL"] = "warning" }
        let (status, output) = try executable.runOneShot(input: input, environment: environment)
        if json || status != 0 {
            FileHandle.standardOutput.write(output)
        } else if let response = try? JSONDecoder().decode(HTTPResponse.self, from: output) {
            print(Self.render(response))
        } else {
            FileHandle.standardOutput.write(output)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The event with `headers` (`name: value`) set, names lower-cased as AWS sends them.
    static func adding(_ headers: [String], to event: Data, file: String) throws -> Data {
        guard var document = (try? JSONSerialization.jsonObject(with: event)) as? [String: Any] else {
            throw CommandFailure("\(file) is not a JSON object")
        }
        var existing = document["headers"] as? [String: Any] ?? [:]
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw CommandFailure("--header must be \"name: value\", got \"\(header.prefix(40))\"")
            }
            let name = header[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            for key in existing.keys where key.lowercased() == name { existing.removeValue(forKey: key) }
            existing[name] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        document["headers"] = existing
        return try JSONSerialization.data(withJSONObject: document)
    }

    /// The response as a person reads it: status line, headers, body.
    static func render(_ response: HTTPResponse) -> String {
        var text = "HTTP \(response.statusCode)\n"
        for name in response.headers.keys.sorted() {
            text += "\(name): \(response.headers[name]!)\n"
        }
        text += "\n" + (response.body.hasSuffix("\n") ? String(response.body.dropLast()) : response.body)
        return text
    }
}
