import SwitchboardCore

/// The webhook front half: what Twilio (or anyone) posts to Voice and SMS.
enum WebhookTargets {
    /// A form body, as Twilio posts it.
    static let form = FuzzTarget(name: "form", summary: "form decoder") { bytes in
        guard let form = try? FormParameters(decoding: bytes) else { return }
        for pair in form.pairs {
            require(form.values(for: pair.name).contains(pair.value), "a decoded pair is not found by its name")
        }
    }

    /// A phone number in any spelling: E.164 or nothing, and the same number again
    /// when its E.164 spelling is parsed.
    static let phone = FuzzTarget(name: "phone", summary: "E.164 parsing") { bytes in
        guard let number = try? PhoneNumber(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        let e164 = Array(number.e164.utf8)
        require(e164.first == UInt8(ascii: "+") && (8...16).contains(e164.count), "not E.164 length: \(number.e164)")
        require(
            e164.dropFirst().allSatisfy { (0x30...0x39).contains($0) } && e164[1] != 0x30,
            "not E.164 digits: \(number.e164)")
        require(
            (try? PhoneNumber(parsing: number.e164)) == number,
            "E.164 spelling does not parse to itself: \(number.e164)")
    }

    /// The URL Twilio signed, rebuilt from a request: host, path, query and body, one
    /// per line (the body is the rest). A signature computed for the rebuilt URL must
    /// validate, and the request's own (arbitrary) signature must not, unless it is that.
    static let signedURL = FuzzTarget(name: "signed-url", summary: "signature URL rebuilder") { bytes in
        let parts = bytes.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false).map(Array.init)
        let line = { (index: Int) in index < parts.count ? String(decoding: parts[index], as: UTF8.self) : "" }
        let body = parts.count > 3 ? parts[3] : []
        let contentType = body.first == UInt8(ascii: "{") ? "application/json" : "application/x-www-form-urlencoded"
        guard
            let webhook = try? InboundWebhook(
                host: line(0), path: line(1), rawQuery: line(2), contentType: contentType, body: body,
                signature: line(0), publicBase: nil)
        else { return }
        require(webhook.url.hasPrefix("https://" + line(0)), "the URL does not start with the request's host")
        let token = TwilioAuthToken("0123456789abcdef0123456789abcdef")
        let signature = TwilioSignature.compute(url: webhook.url, content: webhook.content, authToken: token)
        if case .form = webhook.content {
            require(
                TwilioSignature.isValid(
                    signature: signature, url: webhook.url, content: webhook.content, authToken: token),
                "a signature computed for the rebuilt URL does not validate")
        }
        if webhook.signature != signature {
            require(
                !TwilioSignature.isValid(
                    signature: webhook.signature, url: webhook.url, content: webhook.content, authToken: token),
                "an arbitrary signature validated")
        }
    }
}
