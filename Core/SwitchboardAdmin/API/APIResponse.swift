import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An admin API answer is an ``HTTPResponse`` with a JSON body.
extension HTTPResponse {
    /// `value` as `application/json`.
    public static func json(_ status: Int, _ value: some Encodable, headers extra: [String: String] = [:])
        -> HTTPResponse
    {
        var headers = ["content-type": "application/json", "cache-control": "no-store"]
        headers.merge(extra) { _, new in new }
        return HTTPResponse(statusCode: status, headers: headers, body: APIJSON.encode(value))
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
