import SwitchboardCore
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a message carries: its channel, its text and media, or a WhatsApp template.
public struct OutboundText: Sendable, Equatable {
    public var channel: MessageChannel
    /// The text; empty when only media, or a template, is sent.
    public var body: String
    public var mediaURLs: [String]
    public var template: WhatsAppTemplate?

    public init(
        channel: MessageChannel = .sms, body: String, mediaURLs: [String] = [], template: WhatsAppTemplate? = nil
    ) {
        self.channel = channel
        self.body = body
        self.mediaURLs = mediaURLs
        self.template = template
    }
}

/// A WhatsApp message template (a Twilio Content template, `HX…`) and the values of its
/// placeholders: what a business may send outside WhatsApp's 24-hour window.
public struct WhatsAppTemplate: Sendable, Equatable {
    public var contentSid: String
    /// The placeholders' values, in the order of their names.
    public var variables: [(String, String)]

    public init(contentSid: String, variables: [(String, String)]) {
        self.contentSid = contentSid
        self.variables = variables
    }

    /// `ContentVariables` as Twilio takes it: a JSON object of texts.
    public var variablesJSON: String {
        var output: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in variables.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }

    public static func == (lhs: WhatsAppTemplate, rhs: WhatsAppTemplate) -> Bool {
        lhs.contentSid == rhs.contentSid && lhs.variables.elementsEqual(rhs.variables, by: { $0 == $1 })
    }
}

/// A message or call a caller asks Switchboard to send from a company's number, read
/// from the JSON body of `POST /api/companies/{companyId}/messages` or `…/calls` (and
/// built the same way by `switchboard sms send` and `switchboard call`).
///
///     { "to": "+15557654321", "body": "Your table is ready", "mediaUrls": ["https://…"], "from": "+15550100001" }
///     { "to": "+15557654321", "channel": "whatsapp", "contentSid": "HX…", "contentVariables": {"1": "Friday"} }
///     { "to": "+15557654321", "connect": "ai-agent" | "forward" | "say", "message": "…", "from": "+15550100001" }
///
/// Every rule is checked at once; each problem names its field (422). `from`, when
/// given, is checked against the company's active numbers (or, on WhatsApp, its
/// WhatsApp senders) later, by the sender, as are opt-outs and WhatsApp's 24-hour window.
public enum OutboundRequest: Sendable, Equatable {
    case message(to: PhoneNumber, text: OutboundText, from: PhoneNumber?)
    case call(to: PhoneNumber, connect: VoiceCallPlanner.OutboundConnect, message: String?, from: PhoneNumber?)

    /// What the request sends: `message` or `call`.
    public enum Kind: String, Sendable, CaseIterable {
        case message, call

        /// The collection of the route: `messages` or `calls`.
        public var route: String { rawValue + "s" }
        /// The archive's kind.
        public var archiveKind: ArchiveRecord.Kind { self == .message ? .message : .call }
    }

    /// The most media URLs one message may carry (Twilio's limit).
    public static let maximumMediaURLs = 10
    /// The longest text `say` may speak, in characters.
    public static let maximumSpokenLength = 1_000

    public var kind: Kind {
        switch self {
        case .message: .message
        case .call: .call
        }
    }

    /// The number asked to send from, if any.
    public var from: PhoneNumber? {
        switch self {
        case .message(_, _, let from), .call(_, _, _, let from): from
        }
    }

    /// The number to reach.
    public var to: PhoneNumber {
        switch self {
        case .message(let to, _, _), .call(let to, _, _, _): to
        }
    }

    /// The fields a message takes.
    static let messageFields: Set<String> = [
        "to", "body", "mediaUrls", "from", "channel", "contentSid", "contentVariables",
    ]
    /// The most template variables one message may carry.
    public static let maximumContentVariables = 100

    /// Reads and checks a request of `kind` from its JSON object.
    ///
    /// - Throws: ``Problem/invalidRequest(_:)`` naming every field that is wrong.
    public init(_ kind: Kind, body: [String: JSONValue]) throws(Problem) {
        var reader = FieldReader()
        let allowed: Set<String> = kind == .message ? Self.messageFields : ["to", "from", "connect", "message"]
        for key in body.keys.sorted() where !allowed.contains(key) {
            reader.fail(
                String(key.prefix(64)),
                "is not a field of a \(kind.rawValue) (\(allowed.sorted().joined(separator: ", ")))")
        }
        var to: PhoneNumber?
        if let text = reader.string(body, "to", at: "") {
            to = reader.phoneNumber(text, at: "to")
        } else if body["to"] == nil || body["to"] == .null {
            reader.fail("to", "is required: the number to reach, in E.164 (+15557654321)")
        }
        let from = reader.string(body, "from", at: "").flatMap { reader.phoneNumber($0, at: "from") }
        if let to, let from, to == from { reader.fail("to", "is the number it would be sent from") }

        switch kind {
        case .message:
            let text = reader.string(body, "body", at: "") ?? ""
            var channel = MessageChannel.sms
            if let name = reader.string(body, "channel", at: "") {
                if let known = MessageChannel(rawValue: name) {
                    channel = known
                } else {
                    reader.fail("channel", "must be sms or whatsapp")
                }
            }
            let template = Self.template(body, channel: channel, hasText: !text.isEmpty, reader: &reader)
            var media: [String] = []
            for (index, item) in (reader.array(body, "mediaUrls", at: "") ?? []).enumerated() {
                guard case .string(let url) = item, Self.isMediaURL(url) else {
                    reader.fail(
                        "mediaUrls[\(index)]", "must be an https:// URL of at most 2048 characters without spaces")
                    continue
                }
                media.append(url)
            }
            if media.count > Self.maximumMediaURLs {
                reader.fail("mediaUrls", "may list at most \(Self.maximumMediaURLs) URLs")
            }
            if template != nil {
                if !media.isEmpty { reader.fail("mediaUrls", "are not sent with a template (contentSid)") }
            } else if text.isEmpty && media.isEmpty {
                reader.fail(
                    "body",
                    channel == .whatsapp
                        ? "is required (or mediaUrls, or a template's contentSid): the text to send"
                        : "is required (or mediaUrls): the text to send")
            } else if text.containsControlCharacters(allowingLineBreaks: true) {
                reader.fail("body", "must not contain control characters")
            } else if SMSEncoding.segments(of: text) > SMSMessagePlanner.maximumSegments {
                reader.fail(
                    "body",
                    "is \(SMSEncoding.segments(of: text)) segments long; at most \(SMSMessagePlanner.maximumSegments) are sent"
                )
            }
            guard reader.errors.isEmpty, let to else { throw .invalidRequest(reader.errors) }
            self = .message(
                to: to, text: OutboundText(channel: channel, body: text, mediaURLs: media, template: template),
                from: from)
        case .call:
            var connect: VoiceCallPlanner.OutboundConnect?
            let choices = VoiceCallPlanner.OutboundConnect.allCases.map(\.rawValue).joined(separator: ", ")
            if let text = reader.string(body, "connect", at: "") {
                connect = VoiceCallPlanner.OutboundConnect(rawValue: text)
                if connect == nil { reader.fail("connect", "must be one of \(choices)") }
            } else if body["connect"] == nil || body["connect"] == .null {
                reader.fail("connect", "is required: what the person called is connected to (\(choices))")
            }
            let message = reader.string(body, "message", at: "")
            if let message,
                message.isEmpty || message.count > Self.maximumSpokenLength
                    || message.containsControlCharacters(allowingLineBreaks: true)
            {
                reader.fail("message", "must be 1-\(Self.maximumSpokenLength) characters without control characters")
            }
            if connect == .say && message == nil && (body["message"] == nil || body["message"] == .null) {
                reader.fail("message", "is required when connect is say: the words spoken")
            }
            if let connect, connect != .say, message != nil {
                reader.fail("message", "is spoken only when connect is say")
            }
            guard reader.errors.isEmpty, let to, let connect else { throw .invalidRequest(reader.errors) }
            self = .call(to: to, connect: connect, message: message, from: from)
        }
    }

    /// `contentSid` and `contentVariables`: a WhatsApp template (`HX` and 32 hex digits)
    /// and the values of its placeholders, an object of at most 100 strings of at most
    /// 1,024 characters each, keyed by the placeholders' names.
    private static func template(
        _ body: [String: JSONValue], channel: MessageChannel, hasText: Bool, reader: inout FieldReader
    ) -> WhatsAppTemplate? {
        let sid = reader.string(body, "contentSid", at: "")
        let given = body["contentVariables"].flatMap { $0 == .null ? nil : $0 }
        var variables: [(String, String)] = []
        if let given {
            if case .object(let fields) = given {
                if fields.count > maximumContentVariables {
                    reader.fail("contentVariables", "may hold at most \(maximumContentVariables) values")
                }
                for key in fields.keys.sorted() {
                    let path = "contentVariables." + String(key.prefix(32))
                    guard !key.isEmpty, key.utf8.count <= 32, !key.containsControlCharacters(allowingLineBreaks: false)
                    else {
                        reader.fail(path, "is not a placeholder name (1-32 characters)")
                        continue
                    }
                    guard case .string(let value)? = fields[key], value.count <= 1_024,
                        !value.containsControlCharacters(allowingLineBreaks: true)
                    else {
                        reader.fail(path, "must be a text of at most 1024 characters without control characters")
                        continue
                    }
                    variables.append((key, value))
                }
            } else {
                reader.fail("contentVariables", "must be an object of texts, e.g. {\"1\": \"Friday\"}")
            }
        }
        guard let sid else {
            if given != nil { reader.fail("contentVariables", "are sent only with a template (contentSid)") }
            return nil
        }
        guard TwilioSID.isValid(sid, prefix: "HX") else {
            reader.fail("contentSid", "must be HX followed by 32 hexadecimal digits (a Content template's id)")
            return nil
        }
        if channel != .whatsapp {
            reader.fail("contentSid", "is a WhatsApp template: send it with channel whatsapp")
        }
        if hasText { reader.fail("body", "is not sent with a template: the template holds the text") }
        return WhatsAppTemplate(contentSid: sid, variables: variables)
    }

    private static func isMediaURL(_ url: String) -> Bool {
        url.hasPrefix("https://") && url.utf8.count > 8 && url.utf8.count <= 2_048
            && !url.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }
}
