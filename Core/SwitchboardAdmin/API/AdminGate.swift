import SwitchboardCore

/// The front door every admin route shares: who is asking (their token), which company
/// they ask about, and what they may do with it.
public struct AdminGate: Sendable {
    private let verifier: AdminTokenVerifier

    public init(secrets: AdminSecrets) {
        verifier = AdminTokenVerifier(secrets: secrets)
    }

    /// The caller, from the `Authorization` header.
    ///
    /// - Throws: ``Problem/unauthorized(_:)`` (401) when the token is missing or refused.
    public func identity(authorization: String?) throws(Problem) -> AdminIdentity {
        do {
            return try verifier.identity(fromAuthorization: authorization)
        } catch {
            throw .unauthorized(error)
        }
    }

    /// The company a request names, if the caller may see it.
    ///
    /// - Throws: 400 for an id that cannot be a company's; 404 — the very answer a
    ///   missing company gets — when a company token names another company.
    public func company(_ text: String?, for identity: AdminIdentity) throws(Problem) -> CompanyID {
        guard let text, !text.isEmpty else { throw .badRequest("the path names no company") }
        let id: CompanyID
        do { id = try CompanyID(text) } catch {
            throw .badRequest("\"\(text.prefix(64))\" is not a company id: \(error)")
        }
        guard identity.mayAccess(id) else { throw .companyNotFound(id.rawValue) }
        return id
    }

    /// The company id of `/api/companies/{companyId}/twilio/config`: the path parameter
    /// AWS extracted, or the segment of the raw path; `nil` for any other path.
    public static func companyInPath(parameters: [String: String]?, rawPath: String) -> String? {
        companyInPath(parameters: parameters, rawPath: rawPath, under: ["twilio", "config"])
    }

    /// The company id of `/api/companies/{companyId}/<rest…>`: the path parameter AWS
    /// extracted, or the segment of the raw path; `nil` when the path is not that route
    /// (another route of the same company carries the same path parameter).
    public static func companyInPath(parameters: [String: String]?, rawPath: String, under rest: [String]) -> String? {
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count == 3 + rest.count, segments[0] == "api", segments[1] == "companies",
            zip(segments.dropFirst(3), rest).allSatisfy({ $0 == $1 })
        else {
            return nil
        }
        return parameters?["companyId"] ?? String(segments[2])  // a company id never needs percent-escapes
    }

    /// A platform admin only.
    ///
    /// - Throws: 403 naming what needs an admin.
    public func requireAdmin(_ identity: AdminIdentity, for what: String) throws(Problem) {
        guard identity.isPlatformAdmin else { throw .forbidden("\(what) needs a platform admin token") }
    }

    /// A `true`/`false` query flag (also `1`/`0`), or `defaultValue` when absent.
    ///
    /// - Throws: 400 naming the parameter when it holds anything else.
    public static func flag(_ query: FormParameters, _ name: String, default defaultValue: Bool = false) throws(Problem)
        -> Bool
    {
        guard let text = query[name] else { return defaultValue }
        switch text.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw .badRequest("\(name) must be true or false")
        }
    }
}
