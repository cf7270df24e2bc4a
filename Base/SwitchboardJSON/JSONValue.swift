/// A parsed JSON document: the event protocol's own reader.
///
/// Every invocation's envelope is parsed on the hot path, where a general `Decodable`
/// decoder spends most of its time on machinery the protocol does not need. This reader
/// follows RFC 8259 strictly (UTF-8 only, no trailing commas, no comments, control
/// characters escaped, surrogate pairs joined, lone surrogates refused), keeps numbers as
/// their text so integers convert exactly, and limits nesting depth so hostile input
/// cannot exhaust the stack.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, kept as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting accepted.
    public static let maximumDepth = 64

    /// Parses `bytes`, which must hold exactly one JSON value (white space around it is
    /// allowed).
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        var parser = JSONParser(bytes: Array(bytes))
        parser.skipWhitespace()
        self = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else {
            throw JSONParseError(offset: parser.index, reason: "unexpected text after the value")
        }
    }

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}

/// Why a text is not JSON: where, and what was wrong.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset where parsing stopped: in the whole text, or in ``part`` when set.
    public let offset: Int
    public let reason: String
    /// The part of the text the offset counts from (`the event`), when the text wraps
    /// someone else's: an offset then points into the bytes they sent.
    public let part: String?

    public init(offset: Int, reason: String, part: String? = nil) {
        self.offset = offset
        self.reason = reason
        self.part = part
    }

    public var description: String { "not valid JSON: \(reason) at byte \(offset)" + (part.map { " of \($0)" } ?? "") }

    /// The same error counted from `start`, where `part` begins in the text.
    public func within(_ part: String, startingAt start: Int) -> JSONParseError {
        JSONParseError(offset: max(0, offset - start), reason: reason, part: part)
    }
}
