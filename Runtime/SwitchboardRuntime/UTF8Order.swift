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
    func order(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let a = left.baseAddress, let b = right.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }
    if let contiguous = lhs.utf8.withContiguousStorageIfAvailable({ left in
        rhs.utf8.withContiguousStorageIfAvailable { right in order(left, right) }
    }), let result = contiguous {
        return result
    }
    return Array(lhs.utf8).withUnsafeBufferPointer { left in Array(rhs.utf8).withUnsafeBufferPointer { order(left, $0) } }
}
