/// A setting that is missing or wrong, found when a process starts: the function answers
/// nothing and the message names the variable, never echoing a secret's value. The one
/// error for every setting, the runtime's (`LOG_LEVEL`, `SWITCHBOARD_STDIO`) and the
/// functions' alike.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable) \(problem)" }
}
