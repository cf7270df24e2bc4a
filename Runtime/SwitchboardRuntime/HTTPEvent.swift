import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An HTTP request as AWS delivers it to a function: the HTTP API / Function URL
/// **payload format 2.0** event, field for field.
///
/// Header names are lower-cased on decoding (AWS sends them so already; an event file a
/// person wrote may not), so ``header(_:)`` finds them either way.
public struct HTTPEvent: Codable, Sendable, Equatable {
    public var version: String?
    public var routeKey: String?
    /// The request path, e.g. `/api/twilio/voice`.
    public var rawPath: String
    /// The query string without `?`, exactly as received.
    public var rawQueryString: String
    public var cookies: [String]?
    /// Headers, names lower-cased; repeated headers are comma-joined by AWS.
    public var headers: [String: String]
    public var queryStringParameters: [String: String]?
    public var pathParameters: [String: String]?
    public var requestContext: RequestContext
    /// The body, base64-encoded when ``isBase64Encoded`` is true.
    public var body: String?
    public var isBase64Encoded: Bool

    /// The `requestContext` of a payload 2.0 event.
    public struct RequestContext: Codable, Sendable, Equatable {
        public var accountId: String?
        public var apiId: String?
        /// The host the request was sent to, e.g. `<id>.lambda-url.<region>.on.aws`.
        public var domainName: String?
        public var domainPrefix: String?
        public var http: HTTP
        public var requestId: String?
        public var routeKey: String?
        public var stage: String?
        public var time: String?
        public var timeEpoch: Int64?

        /// `requestContext.http`.
        public struct HTTP: Codable, Sendable, Equatable {
            /// `GET`, `POST`, …
            public var method: String
            public var path: String?
            public var `protocol`: String?
            public var sourceIp: String?
            public var userAgent: String?

            public init(
                method: String, path: String? = nil, protocol: String? = nil, sourceIp: String? = nil,
                userAgent: String? = nil
            ) {
                self.method = method
                self.path = path
                self.protocol = `protocol`
                self.sourceIp = sourceIp
                self.userAgent = userAgent
            }
        }

        public init(domainName: String?, http: HTTP, requestId: String? = nil, timeEpoch: Int64? = nil) {
            self.domainName = domainName
            self.http = http
            self.requestId = requestId
            self.timeEpoch = timeEpoch
        }
    }

    /// An event, as a test or the local server builds one.
    public init(
        method: String, rawPath: String, rawQueryString: String = "", headers: [String: String] = [:],
        body: String? = nil, isBase64Encoded: Bool = false, domainName: String? = nil,
        pathParameters: [String: String]? = nil, requestId: String? = nil
    ) {
        version = "2.0"
        routeKey = "$default"
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.pathParameters = pathParameters
        requestContext = RequestContext(
            domainName: domainName, http: .init(method: method, path: rawPath), requestId: requestId)
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// An event with nothing read yet, for the protocol's reader to fill in: the
    /// defaults of missing members (`/`, no query, no headers, not base64).
    init(unread: Void) {
        rawPath = "/"
        rawQueryString = ""
        headers = [:]
        requestContext = RequestContext(domainName: nil, http: .init(method: ""))
        isBase64Encoded = false
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        routeKey = try c.decodeIfPresent(String.self, forKey: .routeKey)
        rawPath = try c.decodeIfPresent(String.self, forKey: .rawPath) ?? "/"
        rawQueryString = try c.decodeIfPresent(String.self, forKey: .rawQueryString) ?? ""
        cookies = try c.decodeIfPresent([String].self, forKey: .cookies)
        let rawHeaders = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        headers = Dictionary(
            rawHeaders.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        queryStringParameters = try c.decodeIfPresent([String: String].self, forKey: .queryStringParameters)
        pathParameters = try c.decodeIfPresent([String: String].self, forKey: .pathParameters)
        requestContext = try c.decode(RequestContext.self, forKey: .requestContext)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        isBase64Encoded = try c.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
    }

    /// The HTTP method, upper-cased.
    public var method: String { requestContext.http.method.uppercased() }

    /// The value of header `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        // Callers mostly ask in lower case already, which needs no new string.
        let hasCapitals = name.utf8.withContiguousStorageIfAvailable { $0.contains(where: \.isASCIIUppercase) } ?? true
        return headers[hasCapitals ? name.lowercased() : name]
    }

    /// The host the request was addressed to: `requestContext.domainName` (set by AWS),
    /// else the `Host` header.
    public var host: String? {
        requestContext.domainName ?? header("host")
    }

    /// The body's bytes, base64-decoded when the event says it is encoded.
    ///
    /// - Throws: ``EventError/bodyNotBase64`` when the flag is set but the body is not
    ///   base64.
    public func bodyBytes() throws(EventError) -> [UInt8] {
        guard let body else { return [] }
        guard isBase64Encoded else { return Array(body.utf8) }
        // Strict decoding is the fast path (AWS writes plain base64); the lenient one,
        // which skips line breaks and other characters outside the alphabet, is tried
        // only when it fails.
        guard let data = Data(base64Encoded: body) ?? Data(base64Encoded: body, options: .ignoreUnknownCharacters)
        else {
            throw .bodyNotBase64
        }
        return Array(data)
    }
}

/// A problem with an event itself, not with what it asks for.
public enum EventError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `isBase64Encoded` is true but `body` is not base64.
    case bodyNotBase64

    public var description: String {
        switch self {
        case .bodyNotBase64: "body is flagged isBase64Encoded but is not base64"
        }
    }
}
