extension UInt8 {
    /// `0-9`, `A-F` or `a-f`.
    package var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }

    /// An ASCII letter or digit.
    package var isASCIIAlphanumeric: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}

extension String {
    /// True when the text holds a control character (other than line breaks and tabs
    /// when `allowingLineBreaks`): XML, and so TwiML, cannot carry most of them.
    package func containsControlCharacters(allowingLineBreaks: Bool) -> Bool {
        unicodeScalars.contains { scalar in
            if allowingLineBreaks && (scalar == "\n" || scalar == "\r" || scalar == "\t") { return false }
            return scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0)
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF
        }
    }
}
