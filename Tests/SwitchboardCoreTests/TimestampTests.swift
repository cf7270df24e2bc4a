import Foundation
import Testing

@testable import SwitchboardCore

@Suite("Stored timestamps")
struct TimestampTests {
    @Test("written as Foundation's ISO 8601 style writes them, and read back to the millisecond")
    func matchesFoundation() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_752_000.999_9),
            Date(timeIntervalSince1970: -1.5),
            Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_102_444_799.5),
        ]
        // Random dates between 0.1 and 0.9 ms past a millisecond: there both ways of taking
        // the milliseconds agree. (On a boundary Foundation subtracts the whole seconds
        // first and can land a millisecond low; Switchboard multiplies first, so a stamp
        // a millisecond after another is written as one — CompanySettingsWriterTests.)
        for _ in 0..<2_000 {
            let milliseconds = Double(Int64.random(in: -2_000_000_000_000...4_000_000_000_000))
            dates.append(Date(timeIntervalSince1970: (milliseconds + Double.random(in: 0.1...0.9)) / 1_000))
        }
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
