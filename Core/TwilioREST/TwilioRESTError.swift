/// What Twilio said when it refused a call: its error JSON
/// (`{"code": 20003, "message": "…", "more_info": "…", "status": 401}`).
public struct TwilioAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Int
    /// Twilio's error code (20003 for bad credentials, 20404 for a missing resource,
    /// 20429 for too many requests), when it sent one.
    public let code: Int?
    /// Twilio's message.
    public let message: String
    /// Twilio's page about the error.
    public let moreInfo: String?

    public init(status: Int, code: Int?, message: String, moreInfo: String?) {
        self.status = status
        self.code = code
        self.message = message
        self.moreInfo = moreInfo
    }

    public var description: String {
        "Twilio answered HTTP \(status)" + (code.map { " (error \($0))" } ?? "") + ": \(message)"
    }
}

/// Why a call to Twilio's REST API did not succeed. Never carries a credential.
public enum TwilioRESTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection could be made (name, route, refusal); the text says how.
    case unreachable(String)
    /// No answer within the time allowed.
    case timedOut(milliseconds: Int)
    /// Twilio refused the call (4xx other than 429).
    case rejected(TwilioAPIError)
    /// Twilio kept answering 429 (too many concurrent requests) after the retries.
    case rateLimited(TwilioAPIError)
    /// Twilio failed (5xx).
    case serverError(TwilioAPIError)
    /// The answer was not what Twilio's API sends.
    case unreadableResponse(status: Int, String)

    /// True when Twilio refused the credentials (HTTP 401, error 20003).
    public var isAuthenticationFailure: Bool {
        if case .rejected(let error) = self { return error.status == 401 || error.code == 20003 }
        return false
    }

    /// True when Twilio could not be asked — down, slow, overloaded — rather than
    /// having said no: the caller should answer "try again later".
    public var isUnavailable: Bool {
        switch self {
        case .unreachable, .timedOut, .rateLimited, .serverError, .unreadableResponse: true
        case .rejected: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let why): "Twilio could not be reached: \(why)"
        case .timedOut(let milliseconds): "Twilio did not answer within \(milliseconds) ms"
        case .rejected(let error): error.description
        case .rateLimited(let error): "Twilio kept refusing with too many requests: \(error)"
        case .serverError(let error): error.description
        case .unreadableResponse(let status, let why): "Twilio's answer (HTTP \(status)) could not be read: \(why)"
        }
    }
}
