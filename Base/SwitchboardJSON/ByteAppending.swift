extension [UInt8] {
    /// Appends the bytes of a string literal in one copy: `+= "…".utf8` walks the view
    /// index by index, which the reply, log and TwiML writers would pay on every event.
    package mutating func append(literal text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `text`'s UTF-8 bytes, copied straight from the string's storage (`+=
    /// text.utf8` walks the view index by index).
    package mutating func append(utf8Of text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII capital letter.
    @inlinable
    package var isASCIIUppercase: Bool { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") }

    /// The byte with an ASCII capital letter made small; any other byte as it is. HTTP
    /// header names and media types are compared so.
    @inlinable
    package var asciiLowercased: UInt8 { isASCIIUppercase ? self | 0x20 : self }
}
