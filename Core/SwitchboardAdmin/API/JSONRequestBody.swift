import SwitchboardCore
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON object an admin API request carries.
public enum JSONRequestBody {
    /// Reads a request body as a JSON object.
    ///
    /// - Parameters:
    ///   - limit: the largest body accepted, in bytes.
    ///   - expected: what the object holds, for the error when it is not an object.
    /// - Throws: 415 for a content type other than JSON, 413 for a body over `limit`,
    ///   400 for invalid JSON or a value that is not an object.
    public static func object(
        contentType: String?, body: [UInt8], limit: Int, expected: String, mediaType: String = "application/json"
    ) throws(Problem) -> [String: JSONValue] {
        guard contentType.map(MediaType.of) == mediaType else { throw .unsupportedMediaType(contentType) }
        guard body.count <= limit else { throw .tooLarge(limit: limit) }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard case .object(let members) = value else {
            throw .badRequest("the body must be a JSON object (\(expected)), not \(value.kindDescription)")
        }
        return members
    }
}
