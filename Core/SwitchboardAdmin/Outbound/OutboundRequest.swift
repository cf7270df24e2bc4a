import SwitchboardCore
import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A message or call a caller asks Switchboard to send from a company's number, read
/// from the JSON body of `POST /api/companies/{companyId}/messages` or `…/calls` (and
/// built the same way by `switchboard sms send` and `switchboard call`).
///
///     { "to": "+15557654321", "body": "Your table is ready", "mediaUrls": ["https://…"], "from": "+15550100001" }
///     { "to": "+15557654321", "connect": "ai-agent" | "forward" | "say", "message": "…", "from": "+15550100001" }
///
/// Every rule is checked at once; each problem names its field (422). `from`, when
/// given, is checked against the company's active numbers later, by the sender.
public enum OutboundRequest: Sendable, Equatable {
    case message(to: PhoneNumber, body: String, mediaURLs: [String], from: PhoneNumber?)
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
        case .message(_, _, _, let from), .call(_, _, _, let from): from
        }
    }

    /// The number to reach.
    public var to: PhoneNumber {
        switch self {
        case .message(let to, _, _, _), .call(let to, _, _, _): to
        }
    }

    /// Reads and checks a request of `kind` from its JSON object.
    ///
    /// - Throws: ``Problem/invalidRequest(_:)`` naming every field that is wrong.
    public init(_ kind: Kind, body: [String: JSONValue]) throws(Problem) {
        var reader = FieldReader()
        let allowed: Set<String> =
            kind == .message ? ["to", "body", "mediaUrls", "from"] : ["to", "from", "connect", "message"]
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
            if text.isEmpty && media.isEmpty {
                reader.fail("body", "is required (or mediaUrls): the text to send")
            } else if text.containsControlCharacters(allowingLineBreaks: true) {
                reader.fail("body", "must not contain control characters")
            } else if SMSEncoding.segments(of: text) > SMSMessagePlanner.maximumSegments {
                reader.fail(
                    "body",
                    "is \(SMSEncoding.segments(of: text)) segments long; at most \(SMSMessagePlanner.maximumSegments) are sent"
                )
            }
            guard reader.errors.isEmpty, let to else { throw .invalidRequest(reader.errors) }
            self = .message(to: to, body: text, mediaURLs: media, from: from)
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

    private static func isMediaURL(_ url: String) -> Bool {
        url.hasPrefix("https://") && url.utf8.count > 8 && url.utf8.count <= 2_048
            && !url.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }
}
