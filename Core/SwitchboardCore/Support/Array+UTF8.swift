extension [UInt8] {
    /// Appends `text`'s UTF-8 bytes, copied straight from the string's storage (`+=
    /// text.utf8` walks the view index by index).
    mutating func append(utf8Of text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}
