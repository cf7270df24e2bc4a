/// What a company may be told of (its `notifyOn`).
public enum NotificationEvent: String, Sendable, CaseIterable {
    /// A caller left a message.
    case voicemail
    /// A caller reached nobody and left no message.
    case missedCall = "missed-call"

    /// What a company is told of when it chose nothing.
    public static let defaults: SettingList = [NotificationEvent.voicemail.rawValue]
}
