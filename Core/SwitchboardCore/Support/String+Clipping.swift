extension String {
    /// The first `limit` characters of the string: the string itself when it cannot be
    /// longer (no more UTF-8 bytes than `limit`, the case of every well-formed value),
    /// without walking it character by character as `prefix(_:)` does.
    public func clipped(to limit: Int) -> String {
        utf8.count <= limit ? self : String(prefix(limit))
    }
}
