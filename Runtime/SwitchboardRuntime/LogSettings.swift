import Logging
import SwitchboardBase

/// How a Switchboard process writes its log lines: which level and above, and in which
/// format.
///
/// On AWS Lambda, the function's logging configuration (the console's "Log level" and
/// "Log format", or `LoggingConfig` in the template) reaches a custom runtime as
/// `AWS_LAMBDA_LOG_LEVEL` and `AWS_LAMBDA_LOG_FORMAT`; those win over `LOG_LEVEL`, so a
/// level changed in the console takes effect on the next cold start without a redeploy.
public struct LogSettings: Sendable, Equatable {
    /// The two formats Lambda knows.
    public enum Format: Sendable, Equatable {
        /// One JSON object per line, with Lambda's `timestamp`, `level` and `requestId` keys.
        case json
        /// One tab-separated line: timestamp, level, message, then `key=value` pairs.
        case text
    }

    /// The lowest level written.
    public var level: Logger.Level
    /// The line format.
    public var format: Format

    /// Settings written out.
    public init(level: Logger.Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    /// The settings `environment` names, checked: as ``init(environment:)``, but a
    /// `LOG_LEVEL` that names no level stops the process. (Lambda's own variables, which
    /// a person does not set, are read as they are.)
    ///
    /// - Throws: ``ConfigurationError`` naming `LOG_LEVEL`.
    public static func checked(environment: [String: String]) throws(ConfigurationError) -> LogSettings {
        if let name = environment["LOG_LEVEL"], level(named: name) == nil {
            throw ConfigurationError(
                variable: "LOG_LEVEL",
                problem: "must name a level: trace, debug, info, notice, warning, error or critical (or WARN, FATAL)")
        }
        return LogSettings(environment: environment)
    }

    /// The settings `environment` names: the level from `AWS_LAMBDA_LOG_LEVEL`, else
    /// `LOG_LEVEL`, else `info`; the format from `AWS_LAMBDA_LOG_FORMAT` (`JSON` or
    /// `Text`), else JSON. Unknown values fall back to those defaults.
    public init(environment: [String: String]) {
        let named = [environment["AWS_LAMBDA_LOG_LEVEL"], environment["LOG_LEVEL"]]
            .lazy.compactMap { $0.flatMap(Self.level(named:)) }.first
        self.level = named ?? .info
        self.format = environment["AWS_LAMBDA_LOG_FORMAT"]?.lowercased() == "text" ? .text : .json
    }

    /// A level from either vocabulary: swift-log's (`trace` … `critical`) or Lambda's
    /// (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`), in any case.
    public static func level(named name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "warn": return .warning
        case "fatal": return .critical
        case let other: return Logger.Level(rawValue: other)
        }
    }

    /// The name Lambda filters on for `level`: swift-log's `notice` is Lambda's `INFO`,
    /// `warning` is `WARN` and `critical` is `FATAL`, so a console setting of `WARN`
    /// keeps warnings rather than treating them as unknown (which Lambda files as INFO).
    public static func lambdaName(of level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }
}
