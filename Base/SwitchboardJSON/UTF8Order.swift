#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `lhs` compares with `rhs` as UTF-8 bytes: negative, zero or positive.
///
/// The order Twilio sorts signed parameters in, and the order of log fields. Swift's `<`
/// on strings compares Unicode text (canonical equivalence), which disagrees on some
/// inputs and costs more. Native and small strings are read in place; others are copied.
package func utf8Order(_ lhs: String, _ rhs: String) -> Int {
    if let contiguous = lhs.utf8.withContiguousStorageIfAvailable({ left in
        rhs.utf8.withContiguousStorageIfAvailable { right in utf8Order(left, right) }
    }), let result = contiguous {
        return result
    }
    return Array(lhs.utf8).withUnsafeBufferPointer { left in
        Array(rhs.utf8).withUnsafeBufferPointer { utf8Order(left, $0) }
    }
}

/// How the bytes `lhs` compare with `rhs`: negative, zero or positive.
package func utf8Order(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(lhs.count, rhs.count)
    if common > 0, let left = lhs.baseAddress, let right = rhs.baseAddress {
        let order = memcmp(left, right, common)
        if order != 0 { return Int(order) }
    }
    return lhs.count - rhs.count
}
