import SwitchboardCore

/// What every paged listing (companies, the archive, health, opt-outs) reads from its
/// query string the same way.
enum PageQuery {
    /// `?limit=`: a whole number from 1 to `maximum`; `fallback` when absent.
    ///
    /// - Throws: ``Problem/badRequest(_:)`` naming the range.
    static func limit(_ query: FormParameters, default fallback: Int, maximum: Int) throws(Problem) -> Int {
        guard let text = query["limit"] else { return fallback }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw .badRequest("limit must be a whole number from 1 to \(maximum)")
        }
        return limit
    }

    /// Refuses a parameter the route does not take, naming the ones it does.
    static func refuseUnknown(_ query: FormParameters, allowed: [String]) throws(Problem) {
        for (name, _) in query.pairs where !allowed.contains(name) {
            throw .badRequest(
                "\(name.prefix(40)) is not a parameter of this route (\(allowed.joined(separator: ", ")))")
        }
    }
}
