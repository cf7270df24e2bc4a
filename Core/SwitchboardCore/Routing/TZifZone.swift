/// One time zone of the IANA database, read from its compiled file (TZif, RFC 8536): the
/// UTC offset at every instant, from its transitions and, past the last of them, its
/// POSIX rule (``POSIXZoneRule``).
struct TZifZone: Sendable {
    /// Transition instants (seconds since 1970, UTC), ascending.
    let transitions: [Int64]
    /// The UTC offset (seconds east) that starts at each transition.
    let offsets: [Int32]
    /// The offset before the first transition.
    let initialOffset: Int32
    /// The rule for every instant after the last transition; `nil`: the last offset holds.
    let rule: POSIXZoneRule?

    /// Why a file is no zone.
    struct Malformed: Error {}

    /// Reads a TZif file's bytes: the 64-bit data of version 2 and later (the 32-bit data
    /// of version 1 otherwise), and the footer's rule.
    init(bytes: [UInt8]) throws(Malformed) {
        var reader = Reader(bytes: bytes)
        let version = try reader.header()
        var counts = try reader.counts()
        if version >= 2 {
            // Skip the version 1 block; the 64-bit one follows with its own header.
            try reader.skip(
                counts.time * 5 + counts.type * 6 + counts.char + counts.leap * 8 + counts.isStd + counts.isUT)
            _ = try reader.header()
            counts = try reader.counts()
        }
        let width = version >= 2 ? 8 : 4
        var times: [Int64] = []
        times.reserveCapacity(counts.time)
        for _ in 0..<counts.time { times.append(try reader.integer(width)) }
        var indexes: [Int] = []
        indexes.reserveCapacity(counts.time)
        for _ in 0..<counts.time { indexes.append(Int(try reader.byte())) }
        var types: [Int32] = []
        for _ in 0..<counts.type {
            types.append(Int32(truncatingIfNeeded: try reader.integer(4)))
            try reader.skip(2)  // isdst, the abbreviation's index
        }
        guard !types.isEmpty, indexes.allSatisfy({ $0 < types.count }) else { throw Malformed() }
        try reader.skip(counts.char + counts.leap * (width + 4) + counts.isStd + counts.isUT)
        transitions = times
        offsets = indexes.map { types[$0] }
        initialOffset = types[0]
        if version >= 2, let footer = reader.footer(), !footer.isEmpty {
            rule = POSIXZoneRule(footer)
        } else {
            rule = nil
        }
    }

    /// Seconds east of UTC at `instant` (seconds since 1970).
    func offset(at instant: Int64) -> Int {
        guard let last = transitions.last else { return rule?.offset(at: instant) ?? Int(initialOffset) }
        if instant >= last, let rule { return rule.offset(at: instant) }
        if instant < transitions[0] { return Int(initialOffset) }
        // The last transition at or before the instant.
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= instant { low = middle } else { high = middle - 1 }
        }
        return Int(offsets[low])
    }

    /// Reads big-endian fields from a TZif file, refusing one cut short.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func header() throws(Malformed) -> Int {
            guard bytes.count >= position + 20, bytes[position..<position + 4].elementsEqual("TZif".utf8) else {
                throw Malformed()
            }
            let version = bytes[position + 4]
            position += 20
            return version == 0 ? 1 : Int(version) - 0x30
        }

        mutating func counts() throws(Malformed) -> (isUT: Int, isStd: Int, leap: Int, time: Int, type: Int, char: Int)
        {
            var values: [Int] = []
            for _ in 0..<6 {
                let value = try integer(4)
                guard value >= 0, value < 1 << 20 else { throw Malformed() }
                values.append(Int(value))
            }
            return (values[0], values[1], values[2], values[3], values[4], values[5])
        }

        mutating func byte() throws(Malformed) -> UInt8 {
            guard position < bytes.count else { throw Malformed() }
            defer { position += 1 }
            return bytes[position]
        }

        /// A signed big-endian integer of `width` bytes.
        mutating func integer(_ width: Int) throws(Malformed) -> Int64 {
            guard position + width <= bytes.count else { throw Malformed() }
            var value: UInt64 = 0
            for index in position..<position + width { value = value << 8 | UInt64(bytes[index]) }
            position += width
            let shift = UInt64(64 - width * 8)
            return Int64(bitPattern: value << shift) >> Int64(shift)
        }

        mutating func skip(_ count: Int) throws(Malformed) {
            guard count >= 0, position + count <= bytes.count else { throw Malformed() }
            position += count
        }

        /// The footer: the POSIX rule between two newlines.
        func footer() -> String? {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\n") else { return nil }
            guard let end = bytes[(position + 1)...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            return String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        }
    }
}
