import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The process environment, read once; every setting comes from here.
///
/// Tests pass their own values instead of the process's.
public struct Environment: Sendable {
    private let values: [String: String]

    /// The given values, or the process's environment.
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The variable's value, or `nil` when it is unset or empty.
    public subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The variable's value.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable when it is unset or empty.
    public func require(_ name: String, _ purpose: String) throws(ConfigurationError) -> String {
        guard let value = self[name] else {
            throw ConfigurationError(variable: name, problem: "is not set; \(purpose)")
        }
        return value
    }
}

extension Environment {
    /// The whole number the variable holds, or `defaultValue` when it is unset.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable when it is not a whole number
    ///   within `range`.
    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let text = self[name] else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(
                variable: name, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
