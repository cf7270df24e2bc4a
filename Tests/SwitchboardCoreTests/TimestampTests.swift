import Foundation
import Testing
@testable import SwitchboardCore

@Suite("Stored timestamps")
struct TimestampTests {
    @Test("written as Foundation's ISO 8601 style writes them, and read back to the millisecond")
    func matchesFoundation() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_752_000.999_9), Date(timeIntervalSince1970: -1.5),
                     Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_102_444_799.5)]
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000))) }
        for date in dates {
            let ours = Timestamp.format(date)
            #expect(ours == date.formatted(style), "\(date.timeIntervalSince1970)")
            if let back = Timestamp.parse(ours) {
                #expect(abs(back.timeIntervalSince(date)) < 0.001)
            } else {
                Issue.record("\(ours) does not read back")
            }
        }
    }
}
