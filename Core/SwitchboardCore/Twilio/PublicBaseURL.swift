/// The base URL Twilio calls, when it is not the host a request arrived at: a custom
/// domain, a proxy or a tunnel in front of the functions.
///
/// A webhook's signed URL is this base, then the request's path, then its query, so
/// `https://calls.example.com` and a request to `/api/twilio/voice?x=1` give
/// `https://calls.example.com/api/twilio/voice?x=1`.
public struct PublicBaseURL: Sendable, Equatable, CustomStringConvertible {
    /// `scheme://host[:port][/prefix]`, without a trailing slash.
    public let base: String

    /// Parses `text`, which must be an absolute `http(s)://` URL with a host and no query
    /// or fragment.
    public init(_ text: String) throws(PublicURLError) {
        var value = text.trimmingASCIIWhitespace().description
        guard value.hasPrefix("https://") || value.hasPrefix("http://") else { throw .notHTTP }
        guard !value.contains("?"), !value.contains("#") else { throw .hasQuery }
        guard !value.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { throw .hasSpaces }
        while value.hasSuffix("/") { value.removeLast() }
        guard let parts = URLParts(value), !parts.host.isEmpty else { throw .noHost }
        base = value
    }

    public var description: String { base }
}

/// Why a public base URL was refused.
public enum PublicURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case notHTTP, hasQuery, hasSpaces, noHost
    public var description: String {
        switch self {
        case .notHTTP: "must start with https:// (or http://)"
        case .hasQuery: "must not have a query or fragment; it is the base the request path is added to"
        case .hasSpaces: "must not contain spaces or control characters"
        case .noHost: "has no host"
        }
    }
}
