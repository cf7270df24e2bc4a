/// How long a company may keep its recordings at Twilio (`recordingRetentionDays`).
public enum RecordingRetentionPolicy {
    /// The days a company may choose: a day to ten years.
    public static let days = 1...3_650
}
