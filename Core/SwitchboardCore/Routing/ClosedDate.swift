/// A company's closed date: a holiday, written `YYYY-MM-DD`.
enum ClosedDate {
    /// True for a real date written `YYYY-MM-DD` (2026-02-30 is none).
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1970,
            (1...12).contains(month), day >= 1
        else { return false }
        let civil = LocalTime.civil(days: LocalTime.days(year: year, month: month, day: day))
        return civil.month == month && civil.day == day
    }
}
