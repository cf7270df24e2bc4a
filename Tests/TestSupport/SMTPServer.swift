import Foundation

/// A real SMTP server on loopback (Tests/Support/smtp_standin.py: aiosmtpd) with
/// STARTTLS from the test certificates and, when asked, a login; every message it
/// accepts is kept as it arrived.
public final class SMTPServer: @unchecked Sendable {
    public let port: Int
    public let folder: String
    private let child: SupervisedProcess

    /// One message as the server received it.
    public struct Received: Sendable {
        public let mailFrom: String
        public let recipients: [String]
        /// The DATA bytes, headers and body.
        public let data: String
        /// Whether the session was under STARTTLS.
        public let tls: Bool
        public let login: String?

        /// The value of header `name` (the first), unfolded.
        public func header(_ name: String) -> String? {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ")
            for line in unfolded.components(separatedBy: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2 && parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        /// The header names, in order.
        public var headerNames: [String] {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            return head.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") }.compactMap {
                $0.split(separator: ":").first.map(String.init)
            }
        }

        /// The decoded text of the part whose content type starts with `type`.
        public func part(_ type: String) -> String? {
            let pieces = data.components(separatedBy: "Content-Type: " + type)
            guard pieces.count > 1 else { return nil }
            let after = pieces[1].components(separatedBy: "\r\n\r\n").dropFirst().first ?? ""
            let encoded = (after.components(separatedBy: "\r\n--").first ?? "").replacingOccurrences(
                of: "\r\n", with: "")
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
        }

        /// The subject, its RFC 2047 encoded words decoded.
        public var subject: String? {
            header("Subject").map { value in
                value.split(separator: " ").map { word -> String in
                    let text = String(word)
                    guard text.hasPrefix("=?UTF-8?B?"), text.hasSuffix("?=") else { return text }
                    let inner = text.dropFirst(10).dropLast(2)
                    return Data(base64Encoded: String(inner)).map { String(decoding: $0, as: UTF8.self) } ?? text
                }.joined()
            }
        }
    }

    /// Starts the server and waits until it listens.
    ///
    /// - Parameters:
    ///   - starttls: offers (and requires) STARTTLS with the test certificates' server certificate.
    ///   - login: the user name and password it requires, if any.
    public init(starttls: Bool = true, login: (String, String)? = nil) throws {
        port = try RedisServer.freePort()
        folder = try TestPaths.temporaryFolder().appendingPathComponent("smtp-\(port)").path
        let certificates = TestCertificates.shared
        var arguments = [
            TestPaths.packageRoot.appendingPathComponent("Tests/Support/smtp_standin.py").path, "\(port)", folder,
            certificates.path("server.pem"), certificates.path("server.key"),
        ]
        if !starttls { arguments.append("--no-starttls") }
        if let login { arguments += ["--user", login.0, "--password", login.1] }
        child = try SupervisedProcess(try TestPaths.python(), arguments, environment: ["PATH": "/usr/bin:/bin"])
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            usleep(50_000)
        }
        throw TestSetupError("the SMTP server did not start on \(port): \(child.stop())")
    }

    deinit { child.stop() }

    /// `smtp://localhost:<port>`: the certificate names localhost.
    public var url: String { "smtp://localhost:\(port)" }

    /// What arrived, oldest first.
    public func received() throws -> [Received] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try names.filter { $0.hasSuffix(".json") }
            .sorted { Int($0.dropLast(5)) ?? 0 < Int($1.dropLast(5)) ?? 0 }
            .map { name in
                let object =
                    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
                    as? [String: Any] ?? [:]
                return Received(
                    mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                    data: object["data"] as? String ?? "", tls: object["tls"] as? Bool ?? false,
                    login: object["login"] as? String)
            }
    }

    private static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
