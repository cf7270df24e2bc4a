import ArgumentParser
import Logging
import SwitchboardCore
import SwitchboardRuntime

/// `switchboard`: the command people use to run Switchboard locally.
@main
struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Run Switchboard's functions locally and manage its embedded store.",
        discussion: """
            Settings come from the environment: SWITCHBOARD_STORE (default \
            sqlite:.switchboard/switchboard.sqlite), SWITCHBOARD_DATA_KEY (base64 of 32 bytes), \
            SWITCHBOARD_PUBLIC_URL, SWITCHBOARD_AGENT_STREAM_URL, SWITCHBOARD_ADMIN_SECRET (admin tokens).
            """,
        version: "switchboard \(SwitchboardVersion.current)",
        subcommands: [
            SeedCommand.self, InvokeCommand.self, SignCommand.self, TokenCommand.self, RotateTokenCommand.self,
            ServeCommand.self,
            EmulateCommand.self, DoctorCommand.self, MigrateCommand.self, ArchiveCommand.self, SMSCommand.self,
            CallCommand.self,
            HealthCommand.self, ExplainCommand.self, ResealCommand.self, SigningCommand.self, RecordingsCommand.self,
            OptOutsCommand.self,
        ]
    )

    static func main() async {
        StopSignals.unblock()
        // Loggers a command does not set up itself (the drivers') write warnings and worse
        // as JSON lines on standard error: standard output is the command's answer.
        LoggingSystem.bootstrap { LogLineHandler(label: $0, level: .warning) }
        await main(nil)
    }
}

/// A failure a command reports in one line, without a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
