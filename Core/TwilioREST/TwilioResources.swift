/// An account, as `GET /2010-04-01/Accounts/{Sid}.json` describes it.
public struct TwilioAccount: Sendable, Equatable, Decodable {
    public let sid: String
    public let friendlyName: String?
    /// `active`, `suspended` or `closed`.
    public let status: String
    /// `Trial` or `Full`.
    public let type: String?

    public var isActive: Bool { status == "active" }

    enum CodingKeys: String, CodingKey {
        case sid, status, type
        case friendlyName = "friendly_name"
    }
}

/// A number an account owns, as `IncomingPhoneNumbers` describes it: where Twilio sends
/// its calls and messages.
public struct TwilioIncomingNumber: Sendable, Equatable, Decodable {
    /// `PN…`
    public let sid: String
    public let accountSid: String?
    /// E.164.
    public let phoneNumber: String
    public let friendlyName: String?
    public let voiceUrl: String?
    public let voiceMethod: String?
    public let smsUrl: String?
    public let smsMethod: String?
    /// A TwiML app that takes the number's calls instead of `voiceUrl`.
    public let voiceApplicationSid: String?
    /// A TwiML app that takes the number's messages instead of `smsUrl`.
    public let smsApplicationSid: String?
    /// A SIP trunk that takes the number's calls.
    public let trunkSid: String?
    /// Where Twilio posts how each of the number's calls ended.
    public let statusCallback: String?
    public let statusCallbackMethod: String?
    /// Where Twilio turns when the Voice or SMS URL fails.
    public let voiceFallbackUrl: String?
    public let smsFallbackUrl: String?

    enum CodingKeys: String, CodingKey {
        case sid
        case accountSid = "account_sid"
        case statusCallback = "status_callback"
        case statusCallbackMethod = "status_callback_method"
        case voiceFallbackUrl = "voice_fallback_url"
        case smsFallbackUrl = "sms_fallback_url"
        case phoneNumber = "phone_number"
        case friendlyName = "friendly_name"
        case voiceUrl = "voice_url"
        case voiceMethod = "voice_method"
        case smsUrl = "sms_url"
        case smsMethod = "sms_method"
        case voiceApplicationSid = "voice_application_sid"
        case smsApplicationSid = "sms_application_sid"
        case trunkSid = "trunk_sid"
    }
}

/// One page of `IncomingPhoneNumbers.json`.
struct TwilioIncomingNumberPage: Decodable {
    let incomingPhoneNumbers: [TwilioIncomingNumber]
    let nextPageUri: String?

    enum CodingKeys: String, CodingKey {
        case incomingPhoneNumbers = "incoming_phone_numbers"
        case nextPageUri = "next_page_uri"
    }
}

/// A message, as `POST …/Messages.json` answers it.
public struct TwilioMessage: Sendable, Equatable, Decodable {
    /// `SM…` or `MM…`
    public let sid: String
    public let status: String?
    public let from: String?
    public let to: String?
    public let numSegments: String?

    enum CodingKeys: String, CodingKey {
        case sid, status, from, to
        case numSegments = "num_segments"
    }
}

/// A call, as `POST …/Calls.json` answers it.
public struct TwilioCall: Sendable, Equatable, Decodable {
    /// `CA…`
    public let sid: String
    /// `queued` when just placed.
    public let status: String?
    public let from: String?
    public let to: String?
    /// `outbound-api` for a call placed through the API.
    public let direction: String?
}

/// Where a number should send its calls and messages: what
/// `POST …/IncomingPhoneNumbers/{Sid}.json` changes. `nil` leaves a field as it is.
public struct IncomingNumberRouting: Sendable, Equatable {
    public var voiceURL: String?
    public var voiceMethod: String?
    public var smsURL: String?
    public var smsMethod: String?
    /// Where Twilio posts how each call ended (`StatusCallback`), and how.
    public var statusCallback: String?
    public var statusCallbackMethod: String?
    /// Where Twilio turns when the Voice or SMS URL fails, and how.
    public var voiceFallbackURL: String?
    public var voiceFallbackMethod: String?
    public var smsFallbackURL: String?
    public var smsFallbackMethod: String?

    public init(
        voiceURL: String? = nil, voiceMethod: String? = nil, smsURL: String? = nil, smsMethod: String? = nil,
        statusCallback: String? = nil, statusCallbackMethod: String? = nil
    ) {
        self.voiceURL = voiceURL
        self.voiceMethod = voiceMethod
        self.smsURL = smsURL
        self.smsMethod = smsMethod
        self.statusCallback = statusCallback
        self.statusCallbackMethod = statusCallbackMethod
    }
}
