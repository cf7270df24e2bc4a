extension [UInt8] {
    /// Appends the bytes of a string literal in one copy: `+= "…".utf8` walks the view
    /// index by index, which the reply, log and TwiML writers would pay on every event.
    package mutating func append(literal text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }
}
