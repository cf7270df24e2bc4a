import SwitchboardRuntime

/// The function runtime's readers: what Lambda (through bootstrap) and `serve` hand a
/// function.
enum RuntimeTargets {
    /// The payload 2.0 event, as a one-shot function reads it from standard input. An
    /// event that reads must survive a trip through the stream envelope unchanged.
    static let event = FuzzTarget(name: "event", summary: "payload 2.0 event decoder") { bytes in
        guard case .http(let event)? = try? InvocationRequest.Payload(parsing: bytes) else { return }
        let line = InvocationRequest(id: "fuzz", deadlineMs: 1, event: event).jsonLine()
        require(line.last == 0x0A && !line.dropLast().contains(0x0A), "an envelope is one line")
        guard let again = try? InvocationRequest(parsing: line.dropLast()) else {
            return require(false, "the envelope written for a readable event does not read back")
        }
        require(again.event == event, "the event changed on its way through an envelope")
    }

    /// One stream-mode envelope line.
    static let envelope = FuzzTarget(name: "envelope", summary: "stream envelope reader") { bytes in
        guard let request = try? InvocationRequest(parsing: bytes) else { return }
        let line = request.jsonLine()
        guard let again = try? InvocationRequest(parsing: line.dropLast()) else {
            return require(false, "a readable envelope, written again, does not read back")
        }
        require(again.id == request.id && again.deadlineMs == request.deadlineMs && again.event == request.event,
                "the envelope changed when written again")
    }
}
