import Logging
import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When a call's announcement is due, decided as each callback about it arrives, and
/// written to the ``NotificationLedger``:
///
/// - a voicemail's transcript (or a failed transcription): at once;
/// - a finished recording: at once when the company does not transcribe, else after
///   `SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS` (default 120), so a transcript that never
///   comes does not keep the message from the company;
/// - a recording that was absent, a forward that ended with nobody on it, the end of a
///   call: after the same wait, as a possible missed call (the recording's callback may
///   still come after the call's last status).
///
/// Only for a company that asked to hear of it (`notifyOn`) and has somebody to tell
/// (`notifySms`, `notifyEmail`); anything else writes nothing. What is sent is decided
/// when it is sent, from the call's record (``CallNotice/kind(of:)``).
public struct AnnouncementSchedule: Sendable {
    /// How long a voicemail waits for its transcript, and a missed call for a late recording.
    public let transcriptWaitSeconds: Int

    /// The default wait.
    public static let defaultWaitSeconds = 120

    public init(transcriptWaitSeconds: Int = defaultWaitSeconds) {
        self.transcriptWaitSeconds = transcriptWaitSeconds
    }

    /// `SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS`: 0–3600, default 120.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> AnnouncementSchedule {
        AnnouncementSchedule(
            transcriptWaitSeconds: try environment.integer(
                "SWITCHBOARD_TRANSCRIPT_WAIT_SECONDS", default: defaultWaitSeconds, range: 0...3_600))
    }

    /// What follows a callback: nothing, a wait, or an announcement now.
    public enum Step: Sendable, Equatable {
        case none
        case scheduled(Date)
        case announceNow
    }

    /// The events `settings` asks to hear of, when it has somebody to tell.
    public static func events(of settings: TwilioConfig) -> Set<NotificationEvent> {
        guard !(settings.notifySms?.items ?? []).isEmpty || !(settings.notifyEmail?.items ?? []).isEmpty else {
            return []
        }
        return Set(
            (settings.notifyOn ?? NotificationEvent.defaults).items.compactMap(NotificationEvent.init(rawValue:)))
    }

    /// After a recording's status callback or a transcription callback joined the record.
    public func recordingArrived(_ record: ArchiveRecord, settings: TwilioConfig, now: Date) -> Step {
        let events = Self.events(of: settings)
        if record.transcriptStatus != nil {
            return events.contains(.voicemail) ? .announceNow : .none
        }
        switch record.recordingStatus {
        case "completed"?:
            guard events.contains(.voicemail) else { return .none }
            return settings.transcribeVoicemail == false ? .announceNow : .scheduled(wait(from: now))
        case "absent"?, "failed"?:
            return events.contains(.missedCall) ? .scheduled(wait(from: now)) : .none
        default:
            return .none
        }
    }

    /// After a call ended (its final status, or a forward that ended with nobody on it).
    public func callEnded(settings: TwilioConfig, now: Date) -> Step {
        Self.events(of: settings).contains(.missedCall) ? .scheduled(wait(from: now)) : .none
    }

    /// Writes `step` for `call` to `ledger` (made only when there is a step to write): a
    /// wait as a due time, an announcement now as due now. Logged, never thrown: a ledger that cannot be written costs the
    /// announcement, not the caller's call.
    @discardableResult
    public func write(
        _ step: Step, for call: NotificationKey, to ledger: @autoclosure () -> any NotificationLedger, now: Date,
        logger: Logger
    )
        -> Bool
    {
        let due: Date
        switch step {
        case .none: return false
        case .scheduled(let date): due = date
        case .announceNow: due = now
        }
        do {
            try ledger().schedule(call, dueAt: due, now: now)
            return true
        } catch {
            logger.error(
                "notification.schedule_failed",
                metadata: ["company.id": "\(call.companyID)", "call.sid": "\(call.callSid)", "error": "\(error)"])
            return false
        }
    }

    private func wait(from now: Date) -> Date {
        now.addingTimeInterval(Double(transcriptWaitSeconds))
    }
}
