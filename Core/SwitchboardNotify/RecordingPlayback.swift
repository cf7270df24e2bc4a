import Logging
import SwitchboardBase
import SwitchboardCore
import TwilioREST

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A company's recordings, played without handing out its credentials:
///
/// - `GET /api/companies/{companyId}/recordings/{recordingSid}` — an admin token or the
///   company's own (ConfigGet);
/// - `GET /api/recordings/{recordingSid}?c=<companyId>&e=<expiry>&s=<signature>` — the signed,
///   expiring link of a notification (``PlaybackLinkSigner``), no login: ConfigGet on the
///   HTTP API, and Voice on its Function URL (where a link points when the deployment
///   names no public URL, since Twilio's callbacks reach Voice there).
///
/// The audio is fetched from Twilio with the company's own credentials and answered as
/// `audio/mpeg`; the answer never redirects to a URL that would carry them. Another
/// account's recording is a 404 (Twilio itself refuses the company's credentials for
/// it); one deleted by the company's retention is a 410; one too large for Lambda's 6 MB
/// answer is a 502 naming the limit. Each refusal is a ``PlaybackRefusal``, which each
/// function answers in its own form.
public final class RecordingPlayback {
    /// The largest recording answered: its base64 must fit Lambda's 6 MB response.
    public static let maximumBytes = 4_400_000

    private let directory: any TenantDirectory
    private let archive: any CallArchive
    private let sealer: SecretSealer
    private let twilioSettings: TwilioRESTSettings
    private var client: TwilioRESTClient?
    /// Verifies the notification links; `nil` when there is no admin secret.
    public let signer: PlaybackLinkSigner?

    public init(
        directory: any TenantDirectory, archive: any CallArchive, sealer: SecretSealer,
        twilioSettings: TwilioRESTSettings, signer: PlaybackLinkSigner?
    ) {
        self.directory = directory
        self.archive = archive
        self.sealer = sealer
        self.twilioSettings = twilioSettings
        self.signer = signer
    }

    /// Everything from `environment`, over `store` (its archive is `archive`): the data key,
    /// Twilio's client's settings, the links' (`SWITCHBOARD_ADMIN_SECRET`, …).
    public convenience init(environment: Environment, store: any SwitchboardStore, archive: any CallArchive) throws {
        self.init(
            directory: store.directory, archive: archive, sealer: try Settings.sealer(environment),
            twilioSettings: try TwilioRESTSettings.fromEnvironment(environment),
            signer: try PlaybackLinkSigner.fromEnvironment(environment))
    }

    /// The company and recording of `/api/companies/{companyId}/recordings/{recordingSid}`.
    public static func companyRoute(_ rawPath: String, parameters: [String: String]?) -> (String, String)? {
        let segments = rawPath.split(separator: "/")
        guard segments.count == 5, segments[0] == "api", segments[1] == "companies", segments[3] == "recordings"
        else { return nil }
        return (parameters?["companyId"] ?? String(segments[2]), parameters?["recordingSid"] ?? String(segments[4]))
    }

    /// The recording of `/api/recordings/{recordingSid}` (a notification's link).
    public static func linkRoute(_ rawPath: String, parameters: [String: String]?) -> String? {
        let segments = rawPath.split(separator: "/")
        guard segments.count == 3, segments[0] == "api", segments[1] == "recordings" else { return nil }
        return parameters?["recordingSid"] ?? String(segments[2])
    }

    /// Checks a notification link's query for `recordingSid`; the company it names.
    ///
    /// - Throws: 403 for a tampered, re-targeted or expired link (saying which of
    ///   "expired" or "not valid"), 404 when links are not served here.
    public func company(ofLink recordingSid: String, query: FormParameters) throws(PlaybackRefusal) -> CompanyID {
        guard let signer else {
            throw PlaybackRefusal(
                slug: "not-found", title: "No such route", status: 404,
                detail: "This deployment signs no playback links (no SWITCHBOARD_ADMIN_SECRET).")
        }
        let companyText = query["c"] ?? ""
        switch signer.verify(
            companyID: companyText, recordingSid: recordingSid, expires: query["e"] ?? "", signature: query["s"] ?? "")
        {
        case .valid:
            guard let id = try? CompanyID(companyText) else { throw Self.refusedLink("is not valid") }
            return id
        case .expired: throw Self.refusedLink("has expired; ask the company for a new one or sign in to play it")
        case .invalid: throw Self.refusedLink("is not valid")
        }
    }

    private static func refusedLink(_ why: String) -> PlaybackRefusal {
        PlaybackRefusal(
            slug: "link-refused", title: "Playback link refused", status: 403, detail: "This playback link \(why).")
    }

    /// The audio of `recordingSid` of company `id`.
    public func play(_ id: CompanyID, recordingSid: String, logger: Logger) throws(PlaybackRefusal) -> HTTPResponse {
        guard TwilioSID.isValid(recordingSid, prefix: "RE") else {
            throw PlaybackRefusal(
                slug: "bad-request", title: "Bad request", status: 400,
                detail: "recordingSid must be RE followed by 32 hexadecimal digits")
        }
        let found: Company?
        do { found = try directory.company(id: id) } catch {
            logger.error("recording.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw PlaybackRefusal(
                slug: "directory-unavailable", title: "Directory unavailable", status: 503,
                detail: "The directory could not be reached; try again shortly.")
        }
        guard let company = found else {
            throw PlaybackRefusal(
                slug: "not-found", title: "No such company", status: 404, detail: "No company \(id.rawValue).")
        }
        if let record = try? archive.record(recordingSid: recordingSid, companyID: id),
            let deleted = record.recordingDeletedAt
        {
            throw PlaybackRefusal(
                slug: "recording-deleted", title: "Recording deleted", status: 410,
                detail: "Recording \(recordingSid) was deleted on \(deleted.prefix(10)) by the company's retention.")
        }
        guard let credentials = TwilioCredentials(of: company, sealer: sealer) else {
            throw PlaybackRefusal(
                slug: "no-credentials", title: "No Twilio credentials", status: 409,
                detail: "Company \(id) has no Twilio account and token to fetch its recordings with.")
        }
        let audio: [UInt8]
        do {
            if client == nil { client = try TwilioRESTClient(settings: twilioSettings) }
            audio = try client!.recordingAudio(credentials, sid: recordingSid)
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 {
                throw PlaybackRefusal(
                    slug: "not-found", title: "No such recording", status: 404,
                    detail: "Company \(id) has no recording \(recordingSid).")
            }
            logger.error("recording.twilio_failed", metadata: ["company.id": "\(id)", "error": "\(error)"])
            if error.isUnavailable {
                throw PlaybackRefusal(
                    slug: "twilio-unavailable", title: "Twilio unavailable", status: 503,
                    detail: "Twilio could not be asked for the recording: \(error)")
            }
            throw PlaybackRefusal(
                slug: "twilio-refused", title: "Twilio refused", status: 502,
                detail: "Twilio refused the recording: \(error)")
        }
        guard audio.count <= Self.maximumBytes else {
            throw PlaybackRefusal(
                slug: "recording-too-large", title: "Recording too large", status: 502,
                detail:
                    "Recording \(recordingSid) is \(audio.count) bytes; one answer carries at most \(Self.maximumBytes)"
            )
        }
        logger.info(
            "recording.played",
            metadata: ["company.id": "\(id)", "recording.sid": "\(recordingSid)", "bytes": "\(audio.count)"])
        return HTTPResponse(
            statusCode: 200,
            headers: [
                "content-type": "audio/mpeg", "cache-control": "private, max-age=300",
                "content-disposition": "inline; filename=\"\(recordingSid).mp3\"",
                "x-content-type-options": "nosniff",
            ],
            body: Data(audio).base64EncodedString(), isBase64Encoded: true)
    }
}

@available(*, unavailable)
extension RecordingPlayback: Sendable {}

/// Why a recording was not played: an HTTP status, a problem type's slug and title, and a
/// detail naming the recording or the company, never a credential.
public struct PlaybackRefusal: Error, Sendable, Equatable {
    public let slug: String
    public let title: String
    public let status: Int
    public let detail: String

    public init(slug: String, title: String, status: Int, detail: String) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
    }
}
