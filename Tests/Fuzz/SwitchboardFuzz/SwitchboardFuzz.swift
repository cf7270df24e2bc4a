#if canImport(Glibc)
import Glibc
#endif

// Built by `make fuzz` (libFuzzer and the address sanitizer, with SWITCHBOARD_FUZZING
// defined), this is libFuzzer's callback: SWITCHBOARD_FUZZ_TARGET names the target, and
// libFuzzer's own flags and corpus folders are the arguments.
//
// Built plainly (`swift build`), `SwitchboardFuzz <target> <files or folders…>` replays
// each input through the target once: the regression run `make test` makes over the kept
// corpora, so every input that ever broke a property stays checked.

/// The fuzzer's targets, by name.
let targets: [FuzzTarget] = [
    RuntimeTargets.event, RuntimeTargets.envelope, WebhookTargets.form, WebhookTargets.phone,
    WebhookTargets.signedURL, AdminTargets.configPut, AdminTargets.jwt, AdminTargets.healthQuery,
    AdminTargets.outboundRequest,
    AdminTargets.archiveQuery, StoreTargets.redisValue,
    StoreTargets.extendedJSON, StoreTargets.sealed,
]

func printError(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func usage() -> Never {
    var text =
        "usage: SwitchboardFuzz <target> <corpus files or folders…>   (make fuzz: SWITCHBOARD_FUZZ_TARGET=<target>)\ntargets:\n"
    for target in targets {
        text += "  \(target.name)\(String(repeating: " ", count: max(1, 15 - target.name.count)))\(target.summary)\n"
    }
    printError(text)
    exit(64)
}

#if SWITCHBOARD_FUZZING
nonisolated(unsafe) var selected = RuntimeTargets.event

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    guard let name = getenv("SWITCHBOARD_FUZZ_TARGET").map({ String(cString: $0) }),
        let target = targets.first(where: { $0.name == name })
    else { usage() }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
enum SwitchboardFuzz {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        if arguments[1] == "--list" {
            for target in targets { print(target.name) }
            exit(0)
        }
        guard let target = targets.first(where: { $0.name == arguments[1] }) else { usage() }
        var replayed = 0
        for path in arguments.dropFirst(2) {
            for file in files(at: path) {
                guard let bytes = contents(of: file) else {
                    printError("SwitchboardFuzz: cannot read \(file)\n")
                    exit(1)
                }
                target.run(bytes)
                replayed += 1
            }
        }
        print("\(target.name): \(replayed) inputs replayed, every property held")
    }

    /// `path` itself, or the files in it when it is a folder.
    static func files(at path: String) -> [String] {
        guard let folder = opendir(path) else { return [path] }
        defer { closedir(folder) }
        var files: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { files.append(path + "/" + name) }
        }
        return files.sorted()
    }

    static func contents(of file: String) -> [UInt8]? {
        guard let handle = fopen(file, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }
}
#endif
