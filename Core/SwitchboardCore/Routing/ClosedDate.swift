/// A company's closed date: a holiday, written `YYYY-MM-DD`.
enum ClosedDate {
    /// True for a real date written `YYYY-MM-DD` (2026-02-30 is none).
    static func isValid(_ text: String) -> Bool { dayNumber(text) != nil }

    /// Days since 1970-01-01 of the real date `text` writes as `YYYY-MM-DD`; `nil` for
    /// anything else. Read without a copy: the decision reads each closed date on each call.
    static func dayNumber(_ text: String) -> Int? {
        let utf8 = text.utf8
        guard utf8.count == 10 else { return nil }
        var fields = (0, 0, 0)
        var field = 0
        for (position, byte) in utf8.enumerated() {
            if position == 4 || position == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                field += 1
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let digit = Int(byte - 0x30)
            switch field {
            case 0: fields.0 = fields.0 * 10 + digit
            case 1: fields.1 = fields.1 * 10 + digit
            default: fields.2 = fields.2 * 10 + digit
            }
        }
        let (year, month, day) = fields
        guard year >= 1970, (1...12).contains(month), day >= 1 else { return nil }
        let number = LocalTime.days(year: year, month: month, day: day)
        let civil = LocalTime.civil(days: number)
        return civil.month == month && civil.day == day ? number : nil
    }
}
