import HTTPDriver
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// Twilio's REST API (2010-04-01), the few resources Switchboard uses, over one libcurl
/// handle that keeps its connection alive: make one per process and reuse it.
///
/// - Every call authenticates with the credentials it is given (each company's own),
///   never with anything the client holds.
/// - A call gets the settings' connect and total limits; the total covers retries and
///   their waits, so a caller can promise an answer within it.
/// - Twilio's 429 (error 20429, "too many concurrent requests", which Twilio never
///   processed) is tried again up to ``TwilioRESTSettings/maximumRetries`` times,
///   waiting what `Retry-After` asks (or 250 ms, doubling), while the time allows.
/// - Twilio's error JSON becomes a ``TwilioAPIError``; nothing a call sends or gets
///   back that could hold a credential is put in an error.
///
/// Not thread-safe: one call at a time, like the function process that owns it.
public final class TwilioRESTClient {
    /// Where the API is and the limits each call gets.
    public let settings: TwilioRESTSettings
    private let http: CurlHTTPClient
    private let clock = ContinuousClock()

    /// A client for the API `settings` name; no connection is made until the first call.
    public init(settings: TwilioRESTSettings) throws(TwilioRESTError) {
        self.settings = settings
        do {
            http = try CurlHTTPClient()
        } catch {
            throw .unreachable("cannot create an HTTP client: \(error.message)")
        }
    }

    // MARK: Resources

    /// The account the credentials belong to: `GET /2010-04-01/Accounts/{Sid}.json`.
    public func fetchAccount(_ credentials: TwilioCredentials) throws(TwilioRESTError) -> TwilioAccount {
        try decode(
            TwilioAccount.self, from: call("GET", "/2010-04-01/Accounts/\(credentials.accountSid).json", credentials))
    }

    /// The account's numbers, or with `number` the one equal to it (Twilio's filter
    /// matches partially, so the answer is narrowed to the exact number).
    public func incomingPhoneNumbers(_ credentials: TwilioCredentials, number: PhoneNumber? = nil)
        throws(TwilioRESTError) -> [TwilioIncomingNumber]
    {
        var query: [(String, String)] = [("PageSize", "1000")]
        if let number { query.insert(("PhoneNumber", number.e164), at: 0) }
        let path =
            "/2010-04-01/Accounts/\(credentials.accountSid)/IncomingPhoneNumbers.json?" + FormParameters(query).encoded
        let page = try decode(TwilioIncomingNumberPage.self, from: call("GET", path, credentials))
        guard let number else { return page.incomingPhoneNumbers }
        return page.incomingPhoneNumbers.filter { (try? PhoneNumber(parsing: $0.phoneNumber)) == number }
    }

    /// Changes where a number sends its calls and messages:
    /// `POST /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers/{PN…}.json`.
    public func updateIncomingPhoneNumber(
        _ credentials: TwilioCredentials, sid: String, routing: IncomingNumberRouting
    ) throws(TwilioRESTError) -> TwilioIncomingNumber {
        var form: [(String, String)] = []
        if let url = routing.voiceURL { form.append(("VoiceUrl", url)) }
        if let method = routing.voiceMethod { form.append(("VoiceMethod", method)) }
        if let url = routing.smsURL { form.append(("SmsUrl", url)) }
        if let method = routing.smsMethod { form.append(("SmsMethod", method)) }
        if let url = routing.statusCallback { form.append(("StatusCallback", url)) }
        if let method = routing.statusCallbackMethod { form.append(("StatusCallbackMethod", method)) }
        if let url = routing.voiceFallbackURL { form.append(("VoiceFallbackUrl", url)) }
        if let method = routing.voiceFallbackMethod { form.append(("VoiceFallbackMethod", method)) }
        if let url = routing.smsFallbackURL { form.append(("SmsFallbackUrl", url)) }
        if let method = routing.smsFallbackMethod { form.append(("SmsFallbackMethod", method)) }
        let path = "/2010-04-01/Accounts/\(credentials.accountSid)/IncomingPhoneNumbers/\(Self.pathSegment(sid)).json"
        return try decode(TwilioIncomingNumber.self, from: call("POST", path, credentials, form: form))
    }

    /// Sends a message from one of the account's numbers: `POST …/Messages.json`.
    ///
    /// - Parameter statusCallback: where Twilio posts how the message went (sent,
    ///   delivered, undelivered, failed, read), when given.
    public func sendMessage(
        _ credentials: TwilioCredentials, from: PhoneNumber, to: PhoneNumber, body: String, mediaURLs: [String] = [],
        statusCallback: String? = nil
    ) throws(TwilioRESTError) -> TwilioMessage {
        try sendMessage(
            credentials,
            TwilioMessageRequest(
                to: to.e164, from: from.e164, body: body, mediaURLs: mediaURLs, statusCallback: statusCallback))
    }

    /// Places a call from one of the account's numbers that runs `twiml` when answered:
    /// `POST …/Calls.json`.
    ///
    /// - Parameter statusCallback: where Twilio posts each step of the call (initiated,
    ///   ringing, answered, completed), when given.
    public func createCall(
        _ credentials: TwilioCredentials, from: PhoneNumber, to: PhoneNumber, twiml: String,
        statusCallback: String? = nil
    ) throws(TwilioRESTError) -> TwilioCall {
        var form: [(String, String)] = [("To", to.e164), ("From", from.e164), ("Twiml", twiml)]
        if let statusCallback {
            form += [("StatusCallback", statusCallback), ("StatusCallbackMethod", "POST")]
            form += ["initiated", "ringing", "answered", "completed"].map { ("StatusCallbackEvent", $0) }
        }
        return try decode(
            TwilioCall.self,
            from: call("POST", "/2010-04-01/Accounts/\(credentials.accountSid)/Calls.json", credentials, form: form))
    }

    /// A recording's audio as MP3: `GET …/Recordings/{RE…}.mp3`, fetched with the
    /// company's own credentials (Twilio answers 404 for another account's recording, and
    /// when "Enforce HTTP Auth on Media URLs" is on it needs them).
    public func recordingAudio(_ credentials: TwilioCredentials, sid: String) throws(TwilioRESTError) -> [UInt8] {
        try call(
            "GET",
            settings.baseURL
                + "/2010-04-01/Accounts/\(credentials.accountSid)/Recordings/\(Self.pathSegment(sid)).mp3",
            credentials, body: nil)
    }

    /// Deletes a recording at Twilio: `DELETE …/Recordings/{RE…}.json` (204). One that is
    /// gone already (404) counts as deleted.
    public func deleteRecording(_ credentials: TwilioCredentials, sid: String) throws(TwilioRESTError) {
        do {
            _ = try call(
                "DELETE", "/2010-04-01/Accounts/\(credentials.accountSid)/Recordings/\(Self.pathSegment(sid)).json",
                credentials)
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 { return }
            throw error
        }
    }

    // MARK: Calls

    /// What a call sends: a form (the 2010-04-01 API) or a JSON document (the Webhooks
    /// configuration API).
    enum RequestBody {
        case form([(String, String)])
        case json([UInt8])
    }

    /// One call, with the 429 retries, within the settings' total time.
    private func call(
        _ method: String, _ path: String, _ credentials: TwilioCredentials, form: [(String, String)]? = nil
    ) throws(TwilioRESTError) -> [UInt8] {
        try call(method, settings.baseURL + path, credentials, body: form.map(RequestBody.form))
    }

    /// One call to `url`, with the 429 retries, within the settings' total time.
    func call(_ method: String, _ url: String, _ credentials: TwilioCredentials, body content: RequestBody?)
        throws(TwilioRESTError) -> [UInt8]
    {
        let start = clock.now
        let total = Duration.milliseconds(settings.timeoutMilliseconds)
        var headers = [
            "Authorization": credentials.authorizationHeader, "Accept": "application/json", "User-Agent": "switchboard",
        ]
        var body: [UInt8]?
        switch content {
        case .form(let form)?:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = Array(FormParameters(form).encoded.utf8)
        case .json(let document)?:
            headers["Content-Type"] = "application/json"
            body = document
        case nil:
            break
        }
        var attempt = 0
        while true {
            let remaining = total - (clock.now - start)
            let remainingMilliseconds = Int(
                remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            guard remainingMilliseconds > 0 else { throw .timedOut(milliseconds: settings.timeoutMilliseconds) }
            let response: HTTPClientResponse
            do {
                response = try http.send(
                    method, url, headers: headers, body: body, timeoutMilliseconds: remainingMilliseconds,
                    connectTimeoutMilliseconds: min(settings.connectTimeoutMilliseconds, remainingMilliseconds))
            } catch  where error.isTimeout {
                throw .timedOut(milliseconds: settings.timeoutMilliseconds)
            } catch {
                let host = url.split(separator: "/", maxSplits: 2).prefix(2).joined(separator: "//")  // scheme://host
                throw .unreachable(
                    error.isConnectionFailure ? "no connection to \(host) (\(error.message))" : error.message)
            }
            switch response.status {
            case 200..<300:
                return response.body
            case 429:
                let refusal = Self.apiError(response)
                let wait = Self.retryWait(response, attempt: attempt)
                guard attempt < settings.maximumRetries, clock.now - start + wait < total else {
                    throw .rateLimited(refusal)
                }
                attempt += 1
                Self.sleep(wait)
            case 500..<600:
                throw .serverError(Self.apiError(response))
            default:
                throw .rejected(Self.apiError(response))
            }
        }
    }

    func decode<Resource: Decodable>(_ type: Resource.Type, from body: [UInt8]) throws(TwilioRESTError) -> Resource {
        do {
            return try JSONDecoder().decode(Resource.self, from: Data(body))
        } catch {
            throw .unreadableResponse(status: 200, "not the \(Resource.self) Twilio sends")
        }
    }

    /// Twilio's error JSON, or what the status says when the body is not one.
    static func apiError(_ response: HTTPClientResponse) -> TwilioAPIError {
        struct Body: Decodable {
            let code: Int?
            let message: String?
            let moreInfo: String?
            enum CodingKeys: String, CodingKey {
                case code, message
                case moreInfo = "more_info"
            }
        }
        let decoded = try? JSONDecoder().decode(Body.self, from: Data(response.body))
        let message =
            decoded?.message.map { String($0.prefix(300)) } ?? "HTTP \(response.status) without Twilio's error JSON"
        return TwilioAPIError(
            status: response.status, code: decoded?.code, message: message, moreInfo: decoded?.moreInfo)
    }

    /// How long to wait before trying a 429 again: `Retry-After` seconds (at most 5), or
    /// 250 ms doubling with each attempt.
    static func retryWait(_ response: HTTPClientResponse, attempt: Int) -> Duration {
        if let text = response.headers["retry-after"], let seconds = Double(text), seconds >= 0 {
            return .milliseconds(Int(min(seconds, 5) * 1_000))
        }
        return .milliseconds(250 << min(attempt, 4))
    }

    private static func sleep(_ duration: Duration) {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// A SID as a path segment: only letters and digits pass.
    static func pathSegment(_ sid: String) -> String {
        String(
            sid.unicodeScalars.filter {
                $0.properties.isASCIIHexDigit || ($0.value >= 0x41 && $0.value <= 0x5A)
                    || ($0.value >= 0x61 && $0.value <= 0x7A)
            })
    }
}

@available(*, unavailable)
extension TwilioRESTClient: Sendable {}
