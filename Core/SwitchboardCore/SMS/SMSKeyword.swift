/// The keywords Twilio answers itself on long codes (its default opt-out handling and
/// Advanced Opt-Out): a message that is exactly one of them — any case, white space
/// around it ignored — changes the sender's subscription, and Twilio sends the
/// confirmation. Switchboard never auto-replies to or forwards such a message.
public struct SMSKeyword: Sendable, Equatable {
    /// What the keyword does.
    public enum Kind: String, Sendable, Codable {
        case optOut = "opt-out"
        case optIn = "opt-in"
        case help
    }

    /// The keyword in capitals, e.g. `STOP`.
    public let word: String
    public let kind: Kind

    static let words: [String: Kind] = [
        "STOP": .optOut, "STOPALL": .optOut, "UNSUBSCRIBE": .optOut, "CANCEL": .optOut, "END": .optOut,
        "QUIT": .optOut, "REVOKE": .optOut, "OPTOUT": .optOut,
        "START": .optIn, "YES": .optIn, "UNSTOP": .optIn,
        "HELP": .help, "INFO": .help,
    ]

    /// The keyword `body` is, or `nil` when it is an ordinary message.
    public init?(body: String) {
        let word = body.trimmingCharacters(in: { $0.properties.isWhitespace }).uppercased()
        guard word.utf8.count <= 12, let kind = Self.words[word] else { return nil }
        self.word = word
        self.kind = kind
    }
}

extension String {
    /// The string without leading and trailing scalars matching `isTrimmed`.
    func trimmingCharacters(in isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, isTrimmed(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, isTrimmed(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
