#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An admin API answer, before a function hands it to the runtime: status, headers
/// (lower-case names) and a JSON body.
public struct APIResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: String

    public init(status: Int, headers: [String: String] = [:], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `value` as `application/json`.
    public static func json(_ status: Int, _ value: some Encodable, headers extra: [String: String] = [:])
        -> APIResponse
    {
        var headers = ["content-type": "application/json", "cache-control": "no-store"]
        headers.merge(extra) { _, new in new }
        return APIResponse(status: status, headers: headers, body: APIJSON.encode(value))
    }
}

/// The one JSON encoder of the admin API: stable key order, slashes unescaped.
enum APIJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
