import SwitchboardCore

/// How the admin API shows a secret: `••••` and its last four characters, enough for a
/// person to tell which token is stored, never enough to use it.
public enum SecretMask {
    /// What every masked value starts with.
    public static let prefix = "••••"

    /// `secret` masked: `••••` + its last 4 characters (only `••••` when it is shorter
    /// than 12 characters, so a short secret is not mostly shown).
    public static func mask(_ secret: String) -> String {
        secret.count < 12 ? prefix : prefix + secret.suffix(4)
    }

    /// The stored secret masked, or `••••` alone when it cannot be opened here.
    static func mask(_ stored: StoredSecret, companyID: CompanyID, field: SecretField, sealer: SecretSealer) -> String {
        guard let plain = try? sealer.open(stored, companyID: companyID.rawValue, field: field) else { return prefix }
        return mask(plain)
    }
}
