/// JSON text helpers for the few places that write JSON by hand.
@usableFromInline
package enum JSONText {
    /// Appends `text` as a quoted JSON string: `"` and `\` escaped, control characters
    /// as `\n`, `\r`, `\t` or `\u00XX`; everything else copied as UTF-8.
    package static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Native and small strings are contiguous UTF-8, read in place; others are copied.
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &output) }) == nil {
            Array(text.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `bytes` escaped for the inside of a JSON string: runs that need no
    /// escaping are copied whole.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        var index = 0
        while index < bytes.count {
            index = plainRun(in: bytes, from: index).end
            guard index < bytes.count else { break }
            let byte = bytes[index]
            index += 1
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
            runStart = index
            output.append(0x5C)
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            default:
                output.append(UInt8(ascii: "u"))
                output.append(UInt8(ascii: "0"))
                output.append(UInt8(ascii: "0"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    /// Appends `text` as a quoted JSON string (see the byte form).
    package static func appendString(_ text: String, to output: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        appendString(text, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The end of the run of bytes from `start` that a JSON string holds as they are:
    /// the index of the first `"`, `\\` or control character, or `bytes.count`; and
    /// whether the run is all ASCII. Eight bytes are tested at once while none of them
    /// ends the run: TwiML, log text and event strings are long runs of plain characters.
    @usableFromInline
    static func plainRun(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, ascii: Bool) {
        var end = start
        var ascii = true
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while end + 8 <= bytes.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: end, as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A high bit set where a byte is zero (a quote or backslash, after the
                // xor) or below 0x20. Borrows only carry upwards, so the lowest one
                // marks the first such byte exactly (little-endian: the first in memory).
                let stops =
                    (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word))
                    & highs
                guard stops == 0 else {
                    let before = stops.trailingZeroBitCount & ~7  // bits of the bytes before it
                    if word & highs & ((1 << UInt64(before)) &- 1) != 0 { ascii = false }
                    return (end + before / 8, ascii)
                }
                if word & highs != 0 { ascii = false }
                end += 8
            }
        }
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        return (end, ascii)
    }
}
