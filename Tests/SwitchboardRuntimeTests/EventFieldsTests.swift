import Foundation
import Testing

@testable import SwitchboardRuntime

@Suite("Events read for the fields a handler keeps")
struct EventFieldsTests {
    static let webhook = EventFields.only(headers: ["Host", "x-twilio-signature"])

    /// `json` read as a one-shot event keeping `fields`.
    static func reading(_ json: String, _ fields: EventFields) -> Result<HTTPEvent, ProtocolDecodingError> {
        do throws(ProtocolDecodingError) {
            guard case .http(let event) = try InvocationRequest.Payload(parsing: Array(json.utf8), fields: fields)
            else {
                return .failure(.missing("an HTTP event"))
            }
            return .success(event)
        } catch {
            return .failure(error)
        }
    }

    static let full = #"""
        {"version":"2.0","routeKey":"$default","rawPath":"/api/twilio/voice","rawQueryString":"a=1","cookies":["c=1"],
         "headers":{"X-Twilio-Signature":"sig","host":"example.com","user-agent":"TwilioProxy/1.1","content-type":"x"},
         "queryStringParameters":{"a":"1"},"pathParameters":{"p":"q"},
         "requestContext":{"accountId":"123","apiId":"api","domainName":"abc.lambda-url.us-east-1.on.aws","domainPrefix":"abc",
           "http":{"method":"POST","path":"/api/twilio/voice","protocol":"HTTP/1.1","sourceIp":"54.172.60.1","userAgent":"TwilioProxy/1.1"},
           "requestId":"req-1","routeKey":"$default","stage":"$default","time":"25/Nov/2026:22:00:00 +0000","timeEpoch":1795644000000},
         "body":"VG89JTJCMQ==","isBase64Encoded":true}
        """#

    @Test("the members kept are read as in full; the others are left out")
    func keptMembers() throws {
        let all = try Self.reading(Self.full, .all).get()
        let kept = try Self.reading(Self.full, Self.webhook).get()
        #expect(kept.rawPath == all.rawPath && kept.rawQueryString == all.rawQueryString)
        #expect(kept.body == all.body && kept.isBase64Encoded && kept.method == "POST")
        #expect(kept.requestContext.domainName == all.requestContext.domainName)
        #expect(kept.requestContext.requestId == "req-1" && kept.requestContext.timeEpoch == 1_795_644_000_000)
        #expect(kept.headers == ["x-twilio-signature": "sig", "host": "example.com"])
        #expect(kept.header("X-Twilio-Signature") == "sig" && kept.host == all.host)
        #expect(kept.version == nil && kept.routeKey == nil && kept.cookies == nil)
        #expect(kept.queryStringParameters == nil && kept.pathParameters == nil)
        #expect(
            kept.requestContext.accountId == nil && kept.requestContext.stage == nil && kept.requestContext.time == nil)
        #expect(kept.requestContext.http.sourceIp == nil && kept.requestContext.http.userAgent == nil)
        #expect(all.requestContext.http.sourceIp == "54.172.60.1" && all.headers.count == 4)
    }

    @Test(
        "a fault in a member left out is named exactly as when every member is read",
        arguments: [
            // the wrong type, in a left-out member of each kind
            (#""accountId":"123""#, #""accountId":123"#, true),
            (#""sourceIp":"54.172.60.1""#, #""sourceIp":["54"]"#, true),
            (#""version":"2.0""#, #""version":2"#, true),
            (#""user-agent":"TwilioProxy/1.1""#, #""user-agent":null"#, true),
            (#""pathParameters":{"p":"q"}"#, #""pathParameters":{"p":1}"#, true),
            // not JSON inside a left-out string: a bad escape, a raw control character, a lone surrogate
            (#""stage":"$default""#, #""stage":"\x""#, true),
            (#""time":"25"#, "\"time\":\"\u{1}25", true),
            (#""apiId":"api""#, #""apiId":"\uD800""#, true),
            // escapes that are fine, and text that is not ASCII
            (#""stage":"$default""#, #""stage":"a\"b\u00e9""#, false),
            (#""domainPrefix":"abc""#, #""domainPrefix":"ab✓c""#, false),
        ])
    func faultsNamedAlike(member: String, replacement: String, refused: Bool) {
        #expect(Self.full.contains(member))
        let json = Self.full.replacingOccurrences(of: member, with: replacement)
        let all = Self.reading(json, .all)
        let kept = Self.reading(json, Self.webhook)
        switch (all, kept) {
        case (.failure(let expected), .failure(let got)):
            #expect(refused)
            #expect(got == expected)
        case (.success, .success): #expect(!refused)
        default: Issue.record("read in full: \(all); read for the webhook's fields: \(kept)")
        }
    }

    @Test("bytes that are not UTF-8 in a left-out string are refused as in full")
    func invalidUTF8() {
        var bytes = Array(Self.full.utf8)
        let marker = Array("TwilioProxy/1.1".utf8)
        let at = (0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker }!
        bytes[at] = 0xFF
        func read(_ fields: EventFields) -> ProtocolDecodingError? {
            do throws(ProtocolDecodingError) {
                _ = try InvocationRequest.Payload(parsing: bytes, fields: fields)
                return nil
            } catch { return error }
        }
        #expect(read(.all) != nil)
        #expect(read(Self.webhook) == read(.all))
    }
}
