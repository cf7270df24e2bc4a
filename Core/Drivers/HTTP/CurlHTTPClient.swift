internal import CCurl
import TLSDriver

/// An HTTP response: status, headers (names lower-cased) and body.
public struct HTTPClientResponse: Sendable, Equatable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
}

/// Credentials for AWS Signature Version 4, which libcurl computes itself
/// (`CURLOPT_AWS_SIGV4`): the request is signed for `service` in `region`.
public struct AWSSigningCredentials: Sendable, CustomStringConvertible {
    public let region: String
    public let service: String
    public let accessKeyID: String
    let secretAccessKey: String

    public init(region: String, service: String, accessKeyID: String, secretAccessKey: String) {
        self.region = region
        self.service = service
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "AWSSigningCredentials(\(service) in \(region), \(accessKeyID), <redacted>)" }
}

/// A transfer that failed before any response arrived, translated once from libcurl.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl's `CURLcode`.
    public let code: Int
    /// What was being done.
    public let operation: String
    /// libcurl's explanation.
    public let message: String

    public var description: String { "\(operation): \(message) (CURLcode \(code))" }

    /// True when the transfer ran out of its time (connecting or in all).
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }

    /// True when no connection could be made: the name did not resolve, or the host
    /// refused or could not be reached.
    public var isConnectionFailure: Bool {
        [CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT].map { Int($0.rawValue) }
            .contains(code)
    }
}

/// libcurl loaded and initialised once per process, or why it could not be.
private let curlLoaded: Result<Void, HTTPClientError> = {
    // The marker names the library for `make package`, which bundles it; reading it here
    // keeps it in every binary that can load libcurl.
    let library = String(cString: ccurl_library_marker()).split(separator: "=").last.map(String.init) ?? "libcurl"
    var reason = [CChar](repeating: 0, count: 512)
    guard ccurl_load(&reason, reason.count) == 0 else {
        return .failure(
            HTTPClientError(
                code: Int(CURLE_FAILED_INIT.rawValue), operation: "load \(library)",
                message: String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
    }
    let status = ccurl_global_init()
    guard status == CURLE_OK else {
        return .failure(
            HTTPClientError(
                code: Int(status.rawValue), operation: "curl_global_init",
                message: String(cString: ccurl_easy_strerror(status))))
    }
    return .success(())
}()

/// HTTP/1.1 over one libcurl easy handle, which keeps its connection alive between
/// requests. The only owner of its `CURL*` and the only code touching libcurl.
///
/// Not thread-safe: one request at a time.
public final class CurlHTTPClient {
    let handle: UnsafeMutableRawPointer
    private let sink = ResponseSink()

    /// A client; no connection is made until the first request. The first client of a
    /// process loads libcurl.
    ///
    /// - Throws: ``HTTPClientError`` when libcurl cannot be loaded or a handle made.
    public init() throws(HTTPClientError) {
        try curlLoaded.get()
        guard let handle = ccurl_easy_init() else {
            throw HTTPClientError(
                code: Int(CURLE_FAILED_INIT.rawValue), operation: "curl_easy_init", message: "cannot create a handle")
        }
        self.handle = handle
    }

    deinit {
        ccurl_easy_cleanup(handle)
    }

    /// Sends a request and waits for the whole response.
    ///
    /// - Parameters:
    ///   - method: `GET`, `POST`, …
    ///   - url: the full URL.
    ///   - headers: request headers.
    ///   - body: the request body (sent for any method when non-nil).
    ///   - timeoutMilliseconds: the whole transfer's limit; 0 waits forever (as the
    ///     Lambda Runtime API's `next` requires).
    ///   - connectTimeoutMilliseconds: how long connecting may take.
    ///   - signing: AWS credentials to sign the request with (SigV4), if it goes to AWS.
    /// - Throws: ``HTTPClientError`` when no response arrived.
    public func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        timeoutMilliseconds: Int = 0,
        connectTimeoutMilliseconds: Int = 5_000, signing: AWSSigningCredentials? = nil
    ) throws(HTTPClientError) -> HTTPClientResponse {
        ccurl_easy_reset(handle)  // keeps the live connection and caches, drops options
        sink.reset()
        var list: UnsafeMutablePointer<curl_slist>?
        defer { ccurl_slist_free_all(list) }
        for (name, value) in headers {
            list = ccurl_slist_append(list, "\(name): \(value)")
        }
        if body != nil { list = ccurl_slist_append(list, "Expect:") }  // no 100-continue round trip

        try check(ccurl_setopt_string(handle, CURLOPT_URL, url), "set URL")
        try check(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "set method")
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "set NOSIGNAL")
        try check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds), "set timeout")
        try check(
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds), "set connect timeout")
        try check(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "set headers")
        // This machine's CA bundle, wherever its distribution keeps it: the libcurl in the
        // Lambda zips is Debian's, which would look for Debian's on Amazon Linux.
        if let bundle = SystemTrust.bundle {
            try check(ccurl_setopt_string(handle, CURLOPT_CAINFO, bundle), "set CA bundle")
        }
        if let signing {
            try check(
                ccurl_setopt_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(signing.region):\(signing.service)"),
                "set AWS SigV4")
            try check(ccurl_setopt_string(handle, CURLOPT_USERNAME, signing.accessKeyID), "set AWS access key")
            try check(ccurl_setopt_string(handle, CURLOPT_PASSWORD, signing.secretAccessKey), "set AWS secret key")
        }
        if let body {
            // COPYPOSTFIELDS copies the bytes; a terminating zero keeps an empty body's
            // pointer valid.
            let status = (body + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    ccurl_setopt_postfields(handle, chars.baseAddress, body.count)
                }
            }
            try check(status, "set body")
        } else if method == "GET" {
            try check(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1), "set GET")
        }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try check(
            ccurl_setopt_write_function(
                handle, CURLOPT_WRITEFUNCTION,
                { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
                    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
                    return size * count
                }), "set body callback")
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "set body context")
        try check(
            ccurl_setopt_write_function(
                handle, CURLOPT_HEADERFUNCTION,
                { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
                    sink.addHeaderLine(Array(UnsafeRawBufferPointer(start: data, count: size * count)))
                    return size * count
                }), "set header callback")
        try check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "set header context")

        try check(ccurl_easy_perform(handle), "\(method) \(url)")
        var status = 0
        try check(ccurl_response_code(handle, &status), "read status")
        return HTTPClientResponse(status: status, headers: sink.headers, body: sink.body)
    }

    func check(_ code: CURLcode, _ operation: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw HTTPClientError(
                code: Int(code.rawValue), operation: operation, message: String(cString: ccurl_easy_strerror(code)))
        }
    }
}

@available(*, unavailable)
extension CurlHTTPClient: Sendable {}

/// Collects what libcurl's callbacks deliver for one transfer.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]

    func reset() {
        body.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
    }

    func addHeaderLine(_ bytes: [UInt8]) {
        // Work on bytes: "\r\n" is one Character in Swift, so character tests miss it.
        var line = bytes[...]
        while let last = line.last, last == 0x0A || last == 0x0D { line = line.dropLast() }
        if line.starts(with: Array("HTTP/".utf8)) {
            headers.removeAll()
            return
        }  // a new response (after a redirect or 100)
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        var value = line[line.index(after: colon)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        headers[String(decoding: line[..<colon], as: UTF8.self).lowercased()] = String(decoding: value, as: UTF8.self)
    }
}
