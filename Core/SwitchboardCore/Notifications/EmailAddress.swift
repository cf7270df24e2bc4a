/// The e-mail addresses Switchboard sends to: a plain `local@domain.tld`, checked tightly
/// enough that an address can never carry a header, a line break or a second recipient
/// into a message (no spaces, quotes, angle brackets, commas or control characters).
public enum EmailAddress {
    /// The longest address taken (RFC 5321's path limit).
    public static let maximumLength = 254

    /// True when `text` is an address Switchboard sends to.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 6, bytes.count <= maximumLength,
            let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes.lastIndex(of: UInt8(ascii: "@")) == at
        else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            local.allSatisfy(isLocalByte)
        else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }
        }
    }

    /// Letters, digits and the few marks common in real addresses.
    private static func isLocalByte(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || Array("._%+-'".utf8).contains(byte)
    }
}
