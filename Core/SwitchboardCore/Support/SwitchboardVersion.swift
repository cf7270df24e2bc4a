/// Switchboard's version: what `switchboard --version` prints. Raised with each release.
public enum SwitchboardVersion {
    public static let current = "0.9.0"
}
