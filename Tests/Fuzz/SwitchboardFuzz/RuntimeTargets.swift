import SwitchboardCore
import SwitchboardRuntime
import WebhookFunction

/// The function runtime's readers: what Lambda (through bootstrap) and `serve` hand a
/// function.
enum RuntimeTargets {
    /// The payload 2.0 event, as a one-shot function reads it from standard input. An
    /// event that reads must survive a trip through the stream envelope unchanged.
    static let event = FuzzTarget(name: "event", summary: "payload 2.0 event decoder") { bytes in
        // Read for a webhook handler's few fields, an event is refused or read exactly
        // as when every member is read.
        let full = Result { () throws(ProtocolDecodingError) in try InvocationRequest.Payload(parsing: bytes) }
        let webhook = Result { () throws(ProtocolDecodingError) in
            try InvocationRequest.Payload(parsing: bytes, fields: .twilioWebhook)
        }
        switch (full, webhook) {
        case (.failure(let expected), .failure(let got)):
            require(got == expected, "a left-out member changed which fault is named")
        case (.success(.http(let all)), .success(.http(let kept))):
            require(
                kept.rawPath == all.rawPath && kept.rawQueryString == all.rawQueryString && kept.body == all.body
                    && kept.isBase64Encoded == all.isBase64Encoded
                    && kept.requestContext.domainName == all.requestContext.domainName
                    && kept.requestContext.http.method == all.requestContext.http.method
                    && kept.header("host") == all.header("host")
                    && kept.header("x-twilio-signature") == all.header("x-twilio-signature")
                    && kept.header("content-type") == all.header("content-type"),
                "a kept member reads differently when others are left out")
        case (.success(.other), .success(.other)): break
        default: require(false, "an event read in full and for a webhook's fields: one refused, one read")
        }
        guard case .success(.http(let event)) = full else { return }
        let line = InvocationRequest(id: "fuzz", deadlineMs: 1, event: event).jsonLine()
        require(line.last == 0x0A && !line.dropLast().contains(0x0A), "an envelope is one line")
        guard let again = try? InvocationRequest(parsing: line.dropLast()) else {
            return require(false, "the envelope written for a readable event does not read back")
        }
        require(again.event == event, "the event changed on its way through an envelope")
    }

    /// One stream-mode envelope line.
    static let envelope = FuzzTarget(name: "envelope", summary: "stream envelope reader") { bytes in
        guard let request = try? InvocationRequest(parsing: bytes) else { return }
        let line = request.jsonLine()
        guard let again = try? InvocationRequest(parsing: line.dropLast()) else {
            return require(false, "a readable envelope, written again, does not read back")
        }
        require(
            again.id == request.id && again.deadlineMs == request.deadlineMs && again.event == request.event,
            "the envelope changed when written again")
    }
}
