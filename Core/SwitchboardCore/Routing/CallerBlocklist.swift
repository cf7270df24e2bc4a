/// Which callers and senders a company refuses: the numbers and prefixes of its
/// `blockedCallers` (`+15550100999`, `+1900*`), and, with `rejectAnonymous`, every caller
/// whose number is withheld.
///
/// A blocked call is answered `<Reject reason="busy"/>` (not answered, not billed, no
/// voicemail left); a blocked sender's message gets no reply and no forward. Both are
/// archived with the decision `blocked`.
public enum CallerBlocklist {
    /// Why a caller is refused.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// Listed in `blockedCallers` by this entry.
        case listed(String)
        /// The number is withheld and the company rejects anonymous callers.
        case anonymous

        public var description: String {
            switch self {
            case .listed(let entry): "blockedCallers lists \(entry)"
            case .anonymous: "the number is withheld and rejectAnonymous is on"
            }
        }
    }

    /// The numbers Twilio has posted for a withheld caller over the years (the keypad
    /// spellings of ANONYMOUS, RESTRICTED and UNAVAILABLE).
    static let withheldNumbers: Set<String> = ["+266696687", "266696687", "+7378742833", "+86282452253"]

    /// True when `from` (Twilio's `From`) is no caller's number: empty, a word such as
    /// `anonymous`, `Restricted` or `unknown`, or one of ``withheldNumbers``. Twilio
    /// Client and SIP callers (`client:…`, `sip:…`) are callers with a name, not withheld.
    public static func isWithheld(_ from: String?) -> Bool {
        guard let from, !from.isEmpty else { return true }
        if withheldNumbers.contains(from) { return true }
        let lowered = from.lowercased()
        if lowered.hasPrefix("client:") || lowered.hasPrefix("sip:") { return false }
        return (try? PhoneNumber(parsing: from)) == nil || !from.hasPrefix("+")
    }

    /// Why `settings` refuse a call or message from `from`, or `nil` when they take it.
    public static func refusal(of from: String?, settings: TwilioConfig) -> Reason? {
        if settings.rejectAnonymous == true, isWithheld(from) { return .anonymous }
        guard let entries = settings.blockedCallers?.items, !entries.isEmpty, let from else { return nil }
        // Twilio posts E.164; any other spelling is parsed first.
        let e164 =
            isE164(from) ? from : ((try? PhoneNumber(parsing: from))?.e164 ?? "")
        guard !e164.isEmpty else { return nil }
        for entry in entries {
            if entry.utf8.last == UInt8(ascii: "*") {
                if e164.utf8.starts(with: entry.utf8.dropLast()) { return .listed(entry) }
            } else if entry.utf8.elementsEqual(e164.utf8) {
                return .listed(entry)
            }
        }
        return nil
    }

    /// True for `+` and 7-15 digits, the first not 0: E.164 as Twilio writes it.
    static func isE164(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard (8...16).contains(utf8.count), utf8.first == UInt8(ascii: "+") else { return false }
        var index = utf8.index(after: utf8.startIndex)
        guard utf8[index] != UInt8(ascii: "0") else { return false }
        while index != utf8.endIndex {
            guard utf8[index] >= 0x30 && utf8[index] <= 0x39 else { return false }
            index = utf8.index(after: index)
        }
        return true
    }

    /// What is wrong with one `blockedCallers` entry, or `nil`: a phone number, or `+`
    /// and 1-15 digits followed by `*`.
    static func problem(with entry: String) -> String? {
        if entry.hasSuffix("*") {
            let digits = entry.dropFirst().dropLast()
            guard entry.hasPrefix("+"), (1...15).contains(digits.count),
                digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return "\"\(entry.prefix(40))\" is not a prefix: write + and 1-15 digits then *, like +1900*" }
            return nil
        }
        return (try? PhoneNumber(parsing: entry)) == nil
            ? "\"\(entry.prefix(40))\" is not a phone number (or a prefix like +1900*)" : nil
    }

    /// An entry as it is kept: a number in E.164, a prefix as written.
    static func normalized(_ entry: String) -> String {
        if entry.hasSuffix("*") { return entry.filter { $0 != " " && $0 != "-" } }
        return (try? PhoneNumber(parsing: entry))?.e164 ?? entry
    }
}
