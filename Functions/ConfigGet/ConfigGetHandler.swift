import Logging
import SwitchboardAdmin
import SwitchboardBase
import SwitchboardCore
import SwitchboardNotify
import SwitchboardRuntime

/// Answers the config API's reads.
///
/// - `GET /api/companies/{companyId}/twilio/config`: the company's Twilio settings,
///   every field, numbers in E.164, secrets masked (`••••` + last 4), with an `ETag`
///   that `PUT` takes back in `If-Match`.
/// - `GET /api/companies`: the companies the caller may see, a page at a time, each
///   with its last health check in brief.
/// - `GET /api/companies/{companyId}/calls` and `…/messages`: the company's archive,
///   newest first, a page at a time, each call or message with how it ended (see
///   ``ArchiveListing``).
/// - `GET /api/companies/{companyId}/opt-outs`: the numbers that opted out of the
///   company's messages (see ``OptOutListing``); nothing opts one back in but its START.
/// - `GET /api/companies/{companyId}/recordings/{recordingSid}`, and a notification's
///   signed link `GET /api/recordings/{recordingSid}?…` (no token): the recording's audio
///   (see ``RecordingPlayback``).
///
/// The story of one request:
/// 1. Only `GET` is answered.
/// 2. The bearer token says who asks (401 otherwise).
/// 3. A company token asking for another company gets exactly the 404 a missing company
///    gets, so ids cannot be probed.
/// 4. The directory answers; an unreachable one is a 503, never a 500.
struct ConfigGetHandler: FunctionHandler {
    let services: AdminServices
    /// Each listed company's last health check comes from here.
    let health: any CompanyHealthStore
    /// The companies' calls and messages.
    let archive: any CallArchive
    /// Their recordings, fetched from Twilio with their own credentials.
    let recordings: RecordingPlayback

    init(context: FunctionInitContext) throws {
        services = try AdminServices(
            environment: Environment(context.environment), logger: context.logger,
            appName: "switchboard-\(context.functionName)")
        health = services.store.healthStore()
        let environment = Environment(context.environment)
        archive = services.store.archive(try ArchiveSettings(environment))
        recordings = try RecordingPlayback(environment: environment, store: services.store, archive: archive)
        context.logger.info(
            "function.ready",
            metadata: ["store": "\(services.store.location)", "data_key.id": "\(services.sealer.currentKeyID)"])
    }

    func handle(_ event: HTTPEvent, context: InvocationContext) -> HTTPResponse {
        let answer = services.answer(logger: context.logger) { () throws(Problem) in
            try respond(to: event, logger: context.logger)
        }
        return answer
    }

    private func respond(to event: HTTPEvent, logger: Logger) throws(Problem) -> HTTPResponse {
        guard event.method == "GET" else { throw .methodNotAllowed("GET") }
        let query = try queryParameters(event)
        // A notification's playback link: signed, no login.
        if let recording = RecordingPlayback.linkRoute(event.rawPath, parameters: event.pathParameters) {
            do {
                let id = try recordings.company(ofLink: recording, query: query)
                return try recordings.play(id, recordingSid: recording, logger: logger)
            } catch { throw Self.problem(error) }
        }
        let identity = try services.gate.identity(authorization: event.header("authorization"))
        if let (text, recording) = RecordingPlayback.companyRoute(event.rawPath, parameters: event.pathParameters) {
            let id = try services.gate.company(text, for: identity)
            logger.info("recording.asked", metadata: ["company.id": "\(id)", "by": "\(identity.subject)"])
            do { return try recordings.play(id, recordingSid: recording, logger: logger) } catch {
                throw Self.problem(error)
            }
        }
        if let id = AdminGate.companyInPath(parameters: event.pathParameters, rawPath: event.rawPath) {
            return try readConfig(id, identity: identity, logger: logger)
        }
        if let (id, kind) = Self.archiveRoute(event) {
            return try listArchive(id, kind: kind, query: query, identity: identity, logger: logger)
        }
        if let id = AdminGate.companyInPath(
            parameters: event.pathParameters, rawPath: event.rawPath, under: ["opt-outs"])
        {
            return try listOptOuts(id, query: query, identity: identity, logger: logger)
        }
        guard event.rawPath.split(separator: "/") == ["api", "companies"] else {
            throw Problem(
                slug: "not-found", title: "No such route", status: 404,
                detail:
                    "ConfigGet answers /api/companies, /api/companies/{companyId}/twilio/config, …/calls, …/messages, …/opt-outs and …/recordings/{recordingSid}"
            )
        }
        return try listCompanies(query, identity: identity, logger: logger)
    }

    /// One company's settings.
    private func readConfig(_ text: String, identity: AdminIdentity, logger: Logger) throws(Problem) -> HTTPResponse {
        let id = try services.gate.company(text, for: identity)
        let found: Company?
        do { found = try services.directory.company(id: id) } catch {
            logger.error("config.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard let company = found else { throw .companyNotFound(id.rawValue) }
        logger.info("config.read", metadata: ["company.id": "\(id)", "by": "\(identity.subject)"])
        return .json(200, services.view(company), headers: ["etag": CompanyVersion.etag(of: company)])
    }

    /// A page of the companies the caller may see.
    private func listCompanies(_ query: FormParameters, identity: AdminIdentity, logger: Logger) throws(Problem)
        -> HTTPResponse
    {
        let request = try CompanyListing.Request(query: query)
        let page: CompanyListing.Page
        do {
            page = try CompanyListing(directory: services.directory, health: health).page(request, for: identity)
        } catch {
            logger.error("config.directory_unavailable", metadata: ["error": "\(error)"])
            throw .directoryUnavailable()
        }
        logger.info("config.listed", metadata: ["companies": "\(page.companies.count)", "by": "\(identity.subject)"])
        return .json(200, page)
    }

    /// A page of a company's calls or messages.
    private func listArchive(
        _ text: String, kind: ArchiveRecord.Kind, query: FormParameters, identity: AdminIdentity, logger: Logger
    ) throws(Problem) -> HTTPResponse {
        let id = try services.gate.company(text, for: identity)
        let request = try ArchiveListing.Request(query: query)
        let exists: Bool
        do { exists = try services.directory.company(id: id) != nil } catch {
            logger.error("config.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard exists else { throw .companyNotFound(id.rawValue) }
        let page: ArchiveListing.Page
        do {
            page = try ArchiveListing(archive: archive, notifications: services.store.notificationLedger()).page(
                request, companyID: id, kind: kind)
        } catch {
            logger.error("archive.unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .storeUnavailable("the archive could not be read; try again shortly")
        }
        logger.info(
            "archive.listed",
            metadata: [
                "company.id": "\(id)", "kind": "\(kind.rawValue)", "records": "\(page.records.count)",
                "by": "\(identity.subject)",
            ])
        return .json(200, page)
    }

    /// A page of the numbers that opted out of a company's messages.
    private func listOptOuts(_ text: String, query: FormParameters, identity: AdminIdentity, logger: Logger)
        throws(Problem) -> HTTPResponse
    {
        let id = try services.gate.company(text, for: identity)
        let request = try OptOutListing.Request(query: query)
        let exists: Bool
        do { exists = try services.directory.company(id: id) != nil } catch {
            logger.error("config.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard exists else { throw .companyNotFound(id.rawValue) }
        let page: OptOutListing.Page
        do { page = try OptOutListing(recipients: services.store.recipientLedger()).page(request, companyID: id) } catch
        {
            logger.error("opt_outs.unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .storeUnavailable("the opt-outs could not be read; try again shortly")
        }
        logger.info(
            "opt_outs.listed",
            metadata: ["company.id": "\(id)", "count": "\(page.count)", "by": "\(identity.subject)"])
        return .json(200, page)
    }

    /// A refused playback as the admin API's problem.
    static func problem(_ refusal: PlaybackRefusal) -> Problem {
        Problem(slug: refusal.slug, title: refusal.title, status: refusal.status, detail: refusal.detail)
    }

    /// The company and kind of `/api/companies/{companyId}/calls` or `…/messages`.
    static func archiveRoute(_ event: HTTPEvent) -> (String, ArchiveRecord.Kind)? {
        for (route, kind) in [("calls", ArchiveRecord.Kind.call), ("messages", .message)] {
            if let id = AdminGate.companyInPath(
                parameters: event.pathParameters, rawPath: event.rawPath, under: [route])
            {
                return (id, kind)
            }
        }
        return nil
    }

    private func queryParameters(_ event: HTTPEvent) throws(Problem) -> FormParameters {
        do { return try FormParameters(decoding: Array(event.rawQueryString.utf8)) } catch {
            throw .badRequest("query string: \(error)")
        }
    }
}
