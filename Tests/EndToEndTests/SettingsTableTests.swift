import Foundation
import TestSupport
import Testing

/// README.md's Settings table is the one list of Switchboard's environment variables:
/// every variable the functions, the runtime and the core read is in it.
@Suite("README's Settings table")
struct SettingsTableTests {
    @Test("names every variable the code reads")
    func complete() throws {
        let root = TestPaths.packageRoot
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let table =
            readme.components(separatedBy: "## Settings").dropFirst().first?
            .components(separatedBy: "\n## ").first ?? ""
        let pattern = try Regex(#""((?:SWITCHBOARD|TWILIO)_[A-Z_]+|REDIS_URL|LOG_LEVEL)""#)
        var read: Set<String> = []
        for folder in ["Base", "Core", "Runtime", "Functions"] {
            let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let file = files?.nextObject() as? String {
                guard file.hasSuffix(".swift") else { continue }
                let text = try String(
                    contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                for match in text.matches(of: pattern) {
                    read.insert(String(text[match.range].dropFirst().dropLast()))
                }
            }
        }
        #expect(read.count > 30, "the scan found too few variables: \(read.sorted())")
        let missing = read.filter { !table.contains("`\($0)`") }.sorted()
        #expect(missing.isEmpty, "README's Settings table lacks \(missing)")
    }
}
