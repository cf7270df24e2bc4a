/// A setting the runtime reads (`LOG_LEVEL`, `SWITCHBOARD_STDIO`) that is malformed, found
/// at start: the function answers nothing and says which variable is wrong.
public struct StartupSettingError: Error, Equatable, Sendable, CustomStringConvertible {
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
