import SwitchboardBase

/// An error answer of the admin API, as RFC 9457 problem details
/// (`application/problem+json`): a `type` URI, a `title` per type, the HTTP `status`, a
/// `detail` for this occurrence, and for validation an `errors` list naming each field.
///
/// Problem texts name fields, numbers and ids; never a secret, a token or a stack.
public struct Problem: Error, Sendable, Equatable, Encodable {
    /// One field that is wrong, named by its path in the request body
    /// (`phoneNumbers[1].phoneNumber`).
    public struct FieldError: Sendable, Equatable, Encodable {
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let type: String
    public let title: String
    public let status: Int
    public let detail: String
    public let errors: [FieldError]?
    /// Headers the answer needs (`WWW-Authenticate`, `Retry-After`).
    public let headers: [String: String]

    public init(
        slug: String, title: String, status: Int, detail: String, errors: [FieldError]? = nil,
        headers: [String: String] = [:]
    ) {
        self.type = "urn:switchboard:problem:" + slug
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }

    /// The answer to send.
    public var response: HTTPResponse {
        var headers = ["content-type": "application/problem+json", "cache-control": "no-store"]
        headers.merge(self.headers) { _, new in new }
        return HTTPResponse(statusCode: status, headers: headers, body: APIJSON.encode(self))
    }

    // MARK: The problems the admin API answers with

    /// 401: no token, or one that does not verify.
    public static func unauthorized(_ error: AdminAuthError) -> Problem {
        Problem(
            slug: "unauthorized", title: "Not signed in", status: 401, detail: error.description,
            headers: ["www-authenticate": "Bearer error=\"invalid_token\""])
    }

    /// 403: signed in, but this needs a platform admin.
    public static func forbidden(_ detail: String) -> Problem {
        Problem(slug: "forbidden", title: "Not allowed", status: 403, detail: detail)
    }

    /// 404 for a company that does not exist — and, word for word, for one the caller
    /// may not see, so ids cannot be probed.
    public static func companyNotFound(_ id: String) -> Problem {
        Problem(slug: "company-not-found", title: "No such company", status: 404, detail: "no company has id \(id)")
    }

    /// 400: the request itself is wrong (a malformed id, a parameter, the body's JSON).
    public static func badRequest(_ detail: String) -> Problem {
        Problem(slug: "bad-request", title: "Bad request", status: 400, detail: detail)
    }

    /// 405, naming the methods allowed.
    public static func methodNotAllowed(_ allowed: String) -> Problem {
        Problem(
            slug: "method-not-allowed", title: "Method not allowed", status: 405, detail: "use \(allowed)",
            headers: ["allow": allowed])
    }

    /// 413: the body is larger than the limit.
    public static func tooLarge(limit: Int) -> Problem {
        Problem(
            slug: "payload-too-large", title: "Body too large", status: 413,
            detail: "the request body is larger than \(limit) bytes")
    }

    /// 415: the body is not JSON.
    public static func unsupportedMediaType(_ received: String?) -> Problem {
        Problem(
            slug: "unsupported-media-type", title: "Unsupported media type", status: 415,
            detail: "send Content-Type: application/json (got \(received.map { "\"\($0.prefix(60))\"" } ?? "none"))")
    }

    /// 422: the settings break rules; every problem found, each naming its field.
    public static func invalid(_ errors: [FieldError]) -> Problem {
        Problem(
            slug: "validation-failed", title: "Invalid settings", status: 422,
            detail: "\(errors.count) problem\(errors.count == 1 ? "" : "s") with the settings; nothing was changed",
            errors: errors)
    }

    /// 422: a request to send breaks rules; every problem found, each naming its field.
    public static func invalidRequest(_ errors: [FieldError]) -> Problem {
        Problem(
            slug: "validation-failed", title: "Invalid request", status: 422,
            detail: "\(errors.count) problem\(errors.count == 1 ? "" : "s") with the request; nothing was sent",
            errors: errors)
    }

    /// 409: a number belongs to another company.
    public static func numberTaken(_ number: String, field: String, holder: String?) -> Problem {
        let owner = holder.map { "company \($0)" } ?? "another company"
        return Problem(
            slug: "number-taken", title: "Number belongs to another company", status: 409,
            detail: "\(number) already belongs to \(owner); nothing was changed",
            errors: [FieldError(field: field, message: "\(number) already belongs to \(owner)")])
    }

    /// 412: the company changed since the caller read it.
    public static func changedMeanwhile(_ id: String) -> Problem {
        Problem(
            slug: "precondition-failed", title: "Changed meanwhile", status: 412,
            detail:
                "company \(id) was changed since you read it (its ETag no longer matches); read it again and reapply your change"
        )
    }

    /// 422: Twilio said no to the credentials or numbers.
    public static func twilioRefused(_ detail: String, errors: [FieldError]) -> Problem {
        Problem(
            slug: "twilio-refused", title: "Twilio refused these settings", status: 422,
            detail: detail + "; nothing was changed", errors: errors)
    }

    /// 503: Twilio could not be asked.
    public static func twilioUnavailable(_ detail: String) -> Problem {
        Problem(
            slug: "twilio-unavailable", title: "Twilio could not be reached", status: 503,
            detail: detail
                + "; nothing was changed. Try again, or save with ?verify=false (platform admins) to skip the check",
            headers: ["retry-after": "5"])
    }

    /// 503: the store behind a request (the archive, the outbound ledger) could not be reached.
    public static func storeUnavailable(_ detail: String) -> Problem {
        Problem(
            slug: "store-unavailable", title: "Store unavailable", status: 503, detail: detail,
            headers: ["retry-after": "5"])
    }

    /// 503: the directory could not be reached.
    public static func directoryUnavailable() -> Problem {
        Problem(
            slug: "directory-unavailable", title: "Directory unavailable", status: 503,
            detail: "the company directory could not be reached; try again shortly", headers: ["retry-after": "5"])
    }
}
