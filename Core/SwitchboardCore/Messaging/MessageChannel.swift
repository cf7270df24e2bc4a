/// The channel a message travels on: a text (SMS or MMS) or WhatsApp. Twilio writes a
/// WhatsApp address as `whatsapp:+15550100001`, an SMS one as the bare number.
public enum MessageChannel: String, Sendable, Equatable, CaseIterable, Codable {
    case sms
    case whatsapp

    /// The prefix Twilio puts before a WhatsApp number.
    static let whatsappPrefix = "whatsapp:"

    /// The channel `address` names and the number after its prefix, e.g.
    /// `whatsapp:+15550100001` → (`whatsapp`, `+15550100001`); a bare number is `sms`.
    /// The prefix is matched in any case, as Twilio accepts it.
    public static func split(_ address: String) -> (channel: MessageChannel, number: String) {
        let prefix = whatsappPrefix.utf8
        if address.utf8.count > prefix.count,
            zip(address.utf8.prefix(prefix.count), prefix).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        {
            return (.whatsapp, String(address.dropFirst(prefix.count)))
        }
        return (.sms, address)
    }

    /// `number` written as Twilio writes an address on this channel.
    public func address(_ number: PhoneNumber) -> String {
        self == .whatsapp ? Self.whatsappPrefix + number.e164 : number.e164
    }
}
