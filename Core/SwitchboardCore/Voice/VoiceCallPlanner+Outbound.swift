/// What a call Switchboard places (`POST /api/companies/{companyId}/calls`, `switchboard
/// call`) does once the person called answers, built from the company's own settings —
/// callers never send TwiML.
///
/// - `ai-agent`: `<Connect><Stream>` to the company's agent stream (its own, or the
///   platform's), with `direction=outbound` and the numbers among the parameters.
/// - `forward`: a click-to-call: the person called is bridged to the company's
///   `forwardNumber`, shown the company's number, recorded when `recordingEnabled`.
/// - `say`: `message` is spoken, then the call ends.
extension VoiceCallPlanner {
    /// What an outbound call connects the person called to.
    public enum OutboundConnect: String, Sendable, CaseIterable {
        case aiAgent = "ai-agent"
        case forward
        case say
    }

    /// Why an outbound call cannot be built from the company's settings.
    public enum OutboundCallError: Error, Sendable, Equatable, CustomStringConvertible {
        /// `ai-agent`, but neither the company nor the platform has an agent stream URL.
        case noAgentStream
        /// `forward`, but the company has no valid `forwardNumber`.
        case noForwardNumber
        /// `forward` to the very number being called.
        case forwardIsCallee
        /// `say` without a message.
        case noMessage

        public var description: String {
            switch self {
            case .noAgentStream:
                "the company has no agent stream URL (agentStreamUrl), and neither has the platform (SWITCHBOARD_AGENT_STREAM_URL)"
            case .noForwardNumber: "the company has no valid forwardNumber to bridge the call to"
            case .forwardIsCallee: "the company's forwardNumber is the number being called"
            case .noMessage: "connect \"say\" needs a message"
            }
        }
    }

    /// The TwiML of an outbound call from `from` to `to` for `tenant`.
    ///
    /// - Throws: ``OutboundCallError`` when the company's settings cannot make this call.
    public func outboundCall(
        tenant: TenantSnapshot, connect: OutboundConnect, from: PhoneNumber, to: PhoneNumber, message: String?
    ) throws(OutboundCallError) -> String {
        switch connect {
        case .aiAgent:
            guard let stream = agentStreamURL(for: tenant) else { throw .noAgentStream }
            return TwiML.response([
                agentConnect(
                    stream, tenant, parameters: [("direction", "outbound"), ("from", from.e164), ("to", to.e164)])
            ])
        case .forward:
            guard let stored = tenant.forwardNumber, let number = try? PhoneNumber(parsing: stored) else {
                throw .noForwardNumber
            }
            guard number != to else { throw .forwardIsCallee }
            return TwiML.response([
                TwiMLElement(
                    "Dial",
                    [
                        ("callerId", from.e164), ("answerOnBridge", "true"),
                        ("record", tenant.recordingEnabled ? "record-from-answer-dual" : nil),
                    ],
                    children: [TwiMLElement("Number", text: number.e164)])
            ])
        case .say:
            guard let message, !message.isEmpty else { throw .noMessage }
            return TwiML.response([TwiMLElement("Say", text: message), TwiMLElement("Hangup")])
        }
    }
}
