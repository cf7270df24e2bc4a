/// A function's answer, in the payload format 2.0 response shape AWS expects:
/// `statusCode`, `headers`, `body`, `isBase64Encoded`.
public struct HTTPResponse: Codable, Sendable, Equatable {
    public var statusCode: Int
    public var headers: [String: String]
    public var body: String
    public var isBase64Encoded: Bool

    public init(statusCode: Int, headers: [String: String] = [:], body: String = "", isBase64Encoded: Bool = false) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        statusCode = try c.decodeIfPresent(Int.self, forKey: .statusCode) ?? 200
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        body = try c.decodeIfPresent(String.self, forKey: .body) ?? ""
        isBase64Encoded = try c.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
    }

    /// A plain-text answer, for errors a person or Twilio's debugger will read.
    public static func text(_ statusCode: Int, _ message: String, headers extra: [String: String] = [:]) -> HTTPResponse
    {
        var headers = ["content-type": "text/plain; charset=utf-8"]
        headers.merge(extra) { _, new in new }
        return HTTPResponse(statusCode: statusCode, headers: headers, body: message + "\n")
    }

    /// A 200 XML answer (TwiML).
    public static func xml(_ document: String, contentType: String = "text/xml") -> HTTPResponse {
        HTTPResponse(statusCode: 200, headers: ["content-type": contentType], body: document)
    }

    /// A 405 naming the allowed methods.
    public static func methodNotAllowed(allow: String) -> HTTPResponse {
        .text(405, "method not allowed; use \(allow)", headers: ["allow": allow])
    }
}
