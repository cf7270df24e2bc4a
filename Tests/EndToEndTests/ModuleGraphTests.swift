import Foundation
import TestSupport
import Testing

/// `scripts/check_imports.py` (in `make test`) against a copy of the package with one bad
/// edge planted in it: each form of import, and a C target's dependency the table does
/// not allow, must fail the check, naming the file or the target.
@Suite("The module graph check catches a planted edge")
struct ModuleGraphTests {
    /// A scratch package: every top-level entry linked to the real one, except `Base/`
    /// (whose SwitchboardJSON is copied, to plant a file in) and `docs/` (copied, to edit
    /// the table).
    static func scratchPackage() throws -> URL {
        let root = TestPaths.packageRoot
        let scratch = try TestPaths.temporaryFolder()
        let files = FileManager.default
        for entry in try files.contentsOfDirectory(atPath: root.path)
        where ![".build", ".switchboard", "Base", "docs"].contains(entry) && !entry.hasPrefix(".build") {
            try files.createSymbolicLink(
                at: scratch.appendingPathComponent(entry), withDestinationURL: root.appendingPathComponent(entry))
        }
        try files.createDirectory(at: scratch.appendingPathComponent("Base"), withIntermediateDirectories: true)
        try files.createSymbolicLink(
            at: scratch.appendingPathComponent("Base/SwitchboardBase"),
            withDestinationURL: root.appendingPathComponent("Base/SwitchboardBase"))
        try files.copyItem(
            at: root.appendingPathComponent("Base/SwitchboardJSON"),
            to: scratch.appendingPathComponent("Base/SwitchboardJSON"))
        try files.copyItem(at: root.appendingPathComponent("docs"), to: scratch.appendingPathComponent("docs"))
        return scratch
    }

    static func check(_ package: URL) throws -> ProcessResult {
        let environment = ProcessInfo.processInfo.environment
        return try ProcessRunner.run(
            "/usr/bin/env",
            [
                "python3", TestPaths.packageRoot.appendingPathComponent("scripts/check_imports.py").path,
                "--root", package.path,
            ],
            environment: environment)
    }

    @Test("the real package passes")
    func realPackagePasses() throws {
        let result = try Self.check(TestPaths.packageRoot)
        #expect(result.status == 0, "\(result.stderrText)")
    }

    @Test(
        "the bottom module importing the core is refused, whatever the import's form",
        arguments: [
            "import SwitchboardCore", "internal import SwitchboardCore", "public import SwitchboardCore",
            "package import SwitchboardCore", "@preconcurrency import SwitchboardCore",
            "@testable import SwitchboardCore", "@preconcurrency internal import SwitchboardCore",
            "import struct SwitchboardCore.Company",
        ])
    func plantedImport(line: String) throws {
        let package = try Self.scratchPackage()
        defer { try? FileManager.default.removeItem(at: package) }
        try "\(line)\n\nlet planted = 1\n".write(
            to: package.appendingPathComponent("Base/SwitchboardJSON/Planted.swift"), atomically: true, encoding: .utf8)
        let result = try Self.check(package)
        #expect(result.status == 1)
        #expect(
            result.stderrText.contains("Base/SwitchboardJSON/Planted.swift uses SwitchboardCore"),
            "\(result.stderrText)")
    }

    @Test("a C target's dependency the table does not allow is refused")
    func cTargetEdge() throws {
        let package = try Self.scratchPackage()
        defer { try? FileManager.default.removeItem(at: package) }
        let table = package.appendingPathComponent("docs/architecture.md")
        let text = try String(contentsOf: table, encoding: .utf8)
        try text.replacingOccurrences(of: "CCurl: CLibraryLoader\n", with: "CCurl:\n").write(
            to: table, atomically: true, encoding: .utf8)
        let result = try Self.check(package)
        #expect(result.status == 1)
        #expect(result.stderrText.contains("CCurl depends on CLibraryLoader"), "\(result.stderrText)")
    }
}
