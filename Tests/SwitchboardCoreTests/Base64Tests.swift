import Foundation
import Testing

@testable import SwitchboardCore

@Suite("Base64 for signatures")
struct Base64Tests {
    @Test("the signature's base64 matches Foundation's for every length")
    func matchesFoundation() {
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let ours = bytes.withUnsafeBytes { String(decoding: Base64.encode($0), as: UTF8.self) }
            #expect(ours == Data(bytes).base64EncodedString(), "length \(length)")
        }
    }
}
