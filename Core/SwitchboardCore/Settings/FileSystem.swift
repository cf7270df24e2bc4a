#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a folder could not be made.
struct FileSystemError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot create folder \(path): \(String(cString: strerror(errno)))" }
}

enum FileSystem {
    /// Creates the folder that will hold `path` (and its parents) when missing.
    static func createParentDirectory(of path: String) throws(FileSystemError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let folder = String(path[..<slash])
        guard !folder.isEmpty else { return }
        var built = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw FileSystemError(path: built, errno: errno)
            }
        }
    }
}
