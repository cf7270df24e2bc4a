import SwitchboardJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Twilio's Webhooks configuration API (`https://webhooks.twilio.com/v1/Webhooks`, Public
/// Beta): the SharedKeys Twilio signs webhooks with, the Settings that sign with them,
/// and the Rules that apply a Setting to the webhook URLs they match. JSON in and out;
/// authenticated, as Twilio asks, with an API key of the account. The shapes are those of
/// twilio-python 9.13's webhooks v1 models.
extension TwilioRESTClient {
    /// A SharedKey as Twilio answers its creation: the only time its secret is shown.
    public struct SharedKey: Sendable, Decodable {
        public let id: String
        public let secret: String?
    }

    /// A Setting or a Rule: its id (and a Rule's prefix and Settings).
    public struct WebhookResource: Sendable, Decodable, Equatable {
        public struct SettingReference: Sendable, Decodable, Equatable {
            public let settingId: String
        }
        public let id: String
        public let prefix: String?
        public let settings: [SettingReference]?
    }

    /// What a Rule's creation or change answers: the operation that carries it out
    /// (Twilio propagates Rules in 30-60 s) and the Rule.
    private struct RuleOperation: Decodable {
        let rule: WebhookResource?
    }

    /// Creates a SharedKey: `POST /v1/Webhooks/SharedKeys`.
    public func createSharedKey(_ credentials: TwilioCredentials, friendlyName: String) throws(TwilioRESTError)
        -> SharedKey
    {
        try decode(
            SharedKey.self, from: webhooks("POST", "SharedKeys", credentials, ["friendlyName": .string(friendlyName)]))
    }

    /// Creates a Setting that signs with the SharedKey `sharedKeyId`: `POST /v1/Webhooks/Settings`.
    public func createSigningSetting(
        _ credentials: TwilioCredentials, friendlyName: String, sharedKeyId: String, algorithm: String
    ) throws(TwilioRESTError) -> WebhookResource {
        try decode(
            WebhookResource.self,
            from: webhooks(
                "POST", "Settings", credentials,
                [
                    "friendlyName": .string(friendlyName),
                    "description": .string("Switchboard: webhooks signed with a shared key it holds"),
                    "auth": .object(["source": .string("NONE")]),
                    "signature": .object([
                        "type": .string("SHARED_KEY"), "sharedKeyId": .string(sharedKeyId),
                        "algorithm": .string(algorithm),
                    ]),
                ]))
    }

    /// Creates a Rule applying `settingId` to every webhook URL starting with `prefix`:
    /// `POST /v1/Webhooks/Rules`.
    public func createRule(
        _ credentials: TwilioCredentials, friendlyName: String, prefix: String, settingId: String
    ) throws(TwilioRESTError) -> WebhookResource {
        let answer = try decode(
            RuleOperation.self,
            from: webhooks(
                "POST", "Rules", credentials,
                [
                    "friendlyName": .string(friendlyName), "matchType": .string("PREFIX_MATCH"),
                    "prefix": .string(prefix),
                    "settings": .array([.object(["settingId": .string(settingId), "percentage": .number("100")])]),
                ]))
        guard let rule = answer.rule else {
            throw .unreadableResponse(status: 202, "the Rule's creation answered without the Rule")
        }
        return rule
    }

    /// Points Rule `id` at `settingId`: `PATCH /v1/Webhooks/Rules/{id}`.
    public func pointRule(_ credentials: TwilioCredentials, id: String, at settingId: String) throws(TwilioRESTError) {
        _ = try webhooks(
            "PATCH", "Rules/" + Self.resourceID(id), credentials,
            [
                "settings": .array([.object(["settingId": .string(settingId), "percentage": .number("100")])])
            ])
    }

    /// Rule `id`, or `nil` when the account has no such Rule (any more).
    public func fetchRule(_ credentials: TwilioCredentials, id: String) throws(TwilioRESTError) -> WebhookResource? {
        do {
            return try decode(
                WebhookResource.self, from: webhooks("GET", "Rules/" + Self.resourceID(id), credentials, nil))
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 { return nil }
            throw error
        }
    }

    /// Deletes a SharedKey, Setting or Rule (`collection` `SharedKeys`, `Settings`,
    /// `Rules`); one already gone is not an error.
    public func deleteWebhookResource(_ credentials: TwilioCredentials, _ collection: String, id: String)
        throws(TwilioRESTError)
    {
        do {
            _ = try webhooks("DELETE", collection + "/" + Self.resourceID(id), credentials, nil)
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 { return }
            throw error
        }
    }

    /// A resource id as a path segment: only letters, digits and `_` pass (`webhooks_rule_…`).
    static func resourceID(_ id: String) -> String {
        String(
            id.unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_")
            })
    }

    private func webhooks(
        _ method: String, _ path: String, _ credentials: TwilioCredentials, _ body: [String: JSONValue]?
    ) throws(TwilioRESTError) -> [UInt8] {
        let document = body.map { JSONValue.object($0).jsonBytes }
        return try call(
            method, settings.webhooksBaseURL + "/v1/Webhooks/" + path, credentials, body: document.map(RequestBody.json)
        )
    }
}
