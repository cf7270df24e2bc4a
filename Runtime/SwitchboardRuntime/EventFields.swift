import SwitchboardJSON

/// The parts of a payload 2.0 event a handler reads.
///
/// The protocol's reader checks every member of every event the same way, whatever a
/// handler reads: its type, its UTF-8 and escapes, and the first fault is named. It makes
/// strings only of the members kept; the others are left out (`nil`, or no such header).
/// A function that answers one kind of request keeps what it reads and spares building
/// the rest for every event: a Twilio webhook handler reads a handful of the thirty or so
/// strings an event carries.
public struct EventFields: Sendable {
    /// The header names kept, lower-case, as bytes; `nil` keeps every header.
    let headerNames: [[UInt8]]?
    /// Whether every member is kept; otherwise only those ``only(headers:)`` lists.
    let keepsEverything: Bool

    /// Every member: what a handler that does not say otherwise gets.
    public static let all = EventFields(headerNames: nil, keepsEverything: true)

    /// The members a handler of one kind of request reads: `rawPath`, `rawQueryString`,
    /// `body`, `isBase64Encoded`, `requestContext`'s `domainName`, `requestId`,
    /// `timeEpoch` and `http.method`, and the headers named (any case). The rest —
    /// `version`, `routeKey`, `cookies`, the parameter maps, the other headers and the
    /// request context's descriptive members — are checked and left out.
    public static func only(headers: [String]) -> EventFields {
        EventFields(headerNames: headers.map { Array($0.lowercased().utf8) }, keepsEverything: false)
    }

    /// Whether the header called `name` (as the event spells it) is kept.
    func keepsHeader(_ name: MemberName) -> Bool {
        guard let headerNames else { return true }
        return name.bytes.withUnsafeBufferPointer { name in
            headerNames.contains { kept in
                kept.count == name.count
                    && zip(kept, name).allSatisfy { pair in
                        pair.0 == pair.1.asciiLowercased
                    }
            }
        }
    }
}
