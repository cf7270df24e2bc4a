import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin web page's static files (`Admin/`), served by `switchboard serve` at
/// `/admin/`, with a strict Content-Security-Policy: scripts and styles from this origin
/// only, requests to this origin's API only, no inline code, no framing.
struct AdminPages: Sendable {
    /// The folder holding `index.html`, or `nil` when none was found.
    let folder: String?

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let types = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "png": "image/png", "svg": "image/svg+xml", "ico": "image/x-icon", "json": "application/json",
    ]

    /// `explicit`, or the `Admin` folder beside the package this executable was built in
    /// (walking up from it), or under the current folder.
    static func locate(explicit: String?, executableFolder: String) -> AdminPages {
        if let explicit { return AdminPages(folder: explicit) }
        var candidates = [FileManager.default.currentDirectoryPath + "/Admin"]
        var folder = URL(fileURLWithPath: executableFolder)
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("Admin").path)
            folder.deleteLastPathComponent()
        }
        return AdminPages(folder: candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") })
    }

    /// The answer to `path` (which starts with `/admin`).
    func respond(to request: Request) -> Response {
        let path = request.uri.path
        guard request.method == .get || request.method == .head else {
            var response = LocalRouter.problem(.methodNotAllowed, "MethodNotAllowed", "the admin page is read with GET")
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        if path == "/admin" {
            return Response(status: .movedPermanently, headers: [.location: "/admin/"])
        }
        guard let folder else {
            return LocalRouter.problem(
                .notFound, "NotFound", "the admin page's files (Admin/) were not found; pass --admin <folder>")
        }
        var relative = String(path.dropFirst("/admin/".count))
        if relative.isEmpty { relative = "index.html" }
        let segments = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." && !$0.hasPrefix(".") }),
            !relative.contains("\\"), !relative.contains("%")
        else {
            return LocalRouter.problem(.notFound, "NotFound", "no such file")
        }
        let file = folder + "/" + relative
        let ext = String(relative.split(separator: ".").last ?? "")
        guard let type = Self.types[ext], let data = FileManager.default.contents(atPath: file) else {
            return LocalRouter.problem(.notFound, "NotFound", "no such file")
        }
        var headers: HTTPFields = [
            .contentType: type, .cacheControl: "no-cache",
            HTTPField.Name("Content-Security-Policy")!: Self.contentSecurityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
        headers[.contentLength] = String(data.count)
        return Response(
            status: .ok, headers: headers,
            body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
