extension UnsafeBufferPointer<UInt8> {
    /// The positions of these bytes without ASCII white space (space, tab, line feed,
    /// carriage return) at either end. The first and last bytes kept are never inside a
    /// character's encoding: what precedes or follows them is white space or the end.
    func asciiTrimmedRange() -> Range<Int> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        var start = 0
        var end = count
        while start < end, isSpace(self[start]) { start += 1 }
        while end > start, isSpace(self[end - 1]) { end -= 1 }
        return start..<end
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> Substring {
        var text = self
        let kept = text.withUTF8 { $0.asciiTrimmedRange() }
        return self[
            utf8.index(startIndex, offsetBy: kept.lowerBound)..<utf8.index(startIndex, offsetBy: kept.upperBound)]
    }
}
