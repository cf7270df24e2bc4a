import SwitchboardAdmin
import SwitchboardCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admin API's front door and its body validator.
enum AdminTargets {
    static let secret = "switchboard-fuzz-admin-secret-0123456789abcdef"
    static let verifier = AdminTokenVerifier(secrets: try! AdminSecrets(current: secret))
    /// The moment the seed tokens are valid at.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The `Authorization` header: only a token signed with the secret gets in, and it
    /// gets in as what it was issued for.
    static let jwt = FuzzTarget(name: "jwt", summary: "JWT front door") { bytes in
        let header = String(decoding: bytes, as: UTF8.self)
        guard let identity = try? verifier.identity(fromAuthorization: header, now: now) else { return }
        require(!identity.subject.isEmpty, "an identity without a subject")
        // Whatever got in must verify again the same way (no state, no partial reads).
        require(
            (try? verifier.identity(fromAuthorization: header, now: now)) == identity, "a second verification differs")
    }

    static let current: Company = {
        var twilio = TwilioConfig(
            accountSid: "AC" + String(repeating: "1", count: 32),
            authToken: .sealed(
                StoreTargets.sealer.seal(StoreTargets.token, companyID: StoreTargets.company, field: .authToken)),
            phoneNumbers: [PhoneNumberEntry(phoneNumber: "+15550100001", isPrimary: true)], callRoutingMode: "voicemail"
        )
        twilio.lastUpdated = "2026-01-01T00:00:00.000Z"
        return Company(id: try! CompanyID(StoreTargets.company), name: "Fuzz Dental", twilio: twilio)
    }()

    /// A ConfigPut body: refused with a problem naming fields, or a company whose every
    /// number is E.164, and whose secrets are either kept as stored (sealed) or exactly
    /// what the body typed, in clear only until the writer seals them — never a masked
    /// value sent back, never something the body did not say.
    static let configPut = FuzzTarget(name: "config-put", summary: "ConfigPut body validator") { bytes in
        guard let object = try? ConfigChange.jsonObject(contentType: "application/json", body: bytes),
            let change = try? ConfigChange(body: object, applyingTo: current, sealer: StoreTargets.sealer)
        else { return }
        let twilio = change.company.twilio
        require(change.company.id == current.id, "the change moved the company to another id")
        for entry in twilio.phoneNumbers {
            require(
                (try? PhoneNumber(parsing: entry.phoneNumber))?.e164 == entry.phoneNumber,
                "a number was saved not in E.164: \(entry.phoneNumber)")
        }
        for (field, secret, stored) in [
            ("authToken", twilio.authToken, current.twilio.authToken),
            ("apiSecret", twilio.apiSecret, current.twilio.apiSecret),
        ] {
            guard case .plaintext(let value)? = secret else {
                if case .sealed? = secret {
                    require(secret == stored, "\(field) is sealed but is not the stored value")
                }
                continue
            }
            guard case .string(let typed)? = object[field] else {
                return require(false, "\(field) in clear that the body did not type")
            }
            require(value == typed && !value.contains("•"), "\(field) in clear is not what the body typed")
        }
    }

    /// `?scope=all`'s query string: refused with a reason, or a page size from 1 to 200,
    /// a status filter of DOWN or DEGRADED only, and a cursor whose position is a known
    /// severity and a company id — whatever the bytes.
    static let healthQuery = FuzzTarget(name: "health-query", summary: "?scope=all query and cursor") { bytes in
        guard let query = try? FormParameters(decoding: bytes),
            let request = try? TenantHealthPage.Request(query: query)
        else { return }
        require((1...TenantHealthPage.maximumLimit).contains(request.limit), "a page of \(request.limit)")
        require(
            request.status == nil || request.status == .down || request.status == .degraded,
            "a status filter of \(String(describing: request.status))")
        if let after = request.after {
            require((0...2).contains(after.severity), "a cursor at severity \(after.severity)")
            require((try? CompanyID(after.companyId)) != nil, "a cursor at a company id that is not one")
        }
    }

    /// An Outbound body, as a message and as a call: refused with a problem naming
    /// fields, or a request whose numbers are E.164 and differ, whose text fits 10
    /// segments, whose media are at most ten https:// URLs, and whose `say` has words to
    /// speak — whatever the bytes.
    static let outboundRequest = FuzzTarget(name: "outbound-request", summary: "Outbound message and call bodies") {
        bytes in
        guard
            let object = try? JSONRequestBody.object(
                contentType: "application/json", body: bytes, limit: OutboundService.maximumBodyBytes,
                expected: "a request")
        else { return }
        for kind in OutboundRequest.Kind.allCases {
            guard let request = try? OutboundRequest(kind, body: object) else { continue }
            require((try? PhoneNumber(parsing: request.to.e164)) == request.to, "to is not E.164: \(request.to)")
            require(request.from != request.to, "a request to the number it is sent from")
            switch request {
            case .message(_, let text, _):
                let (body, media) = (text.body, text.mediaURLs)
                require(!body.isEmpty || !media.isEmpty || text.template != nil, "a message with nothing to send")
                if let template = text.template {
                    require(text.channel == .whatsapp, "a template on \(text.channel)")
                    require(body.isEmpty && media.isEmpty, "a template with a body or media")
                    require(TwilioSID.isValid(template.contentSid, prefix: "HX"), "contentSid \(template.contentSid)")
                    require(
                        template.variables.count <= OutboundRequest.maximumContentVariables,
                        "\(template.variables.count) variables")
                    let parsed = try? JSONDecoder().decode(
                        [String: String].self, from: Data(template.variablesJSON.utf8))
                    require(
                        parsed?.count == template.variables.count,
                        "ContentVariables that are not a JSON object of texts")
                }
                require(
                    SMSEncoding.segments(of: body) <= SMSMessagePlanner.maximumSegments,
                    "a body of \(SMSEncoding.segments(of: body)) segments")
                require(
                    media.count <= OutboundRequest.maximumMediaURLs && media.allSatisfy { $0.hasPrefix("https://") },
                    "media that are not https:// URLs")
            case .call(_, let connect, let message, _):
                require(connect != .say || !(message ?? "").isEmpty, "say with nothing to say")
                require(connect == .say || message == nil, "words to speak on a call that speaks none")
            }
        }
    }

    /// A company archive's query string: refused with a reason, or a page of 1 to 200, a
    /// status of Twilio's vocabulary's shape, and a cursor at a valid time and sid.
    static let archiveQuery = FuzzTarget(name: "archive-query", summary: "…/calls and …/messages query and cursor") {
        bytes in
        guard let query = try? FormParameters(decoding: bytes), let request = try? ArchiveListing.Request(query: query)
        else { return }
        require((1...ArchiveListing.maximumLimit).contains(request.limit), "a page of \(request.limit)")
        if let status = request.status {
            require((1...32).contains(status.utf8.count) && !status.contains(" "), "a status filter of \(status)")
        }
        if let before = request.before {
            require(ArchiveRecord.isValidSid(before.sid) && Timestamp.parse(before.at) != nil, "a cursor at \(before)")
        }
    }
}
