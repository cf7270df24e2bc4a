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
///   company's own;
/// - `GET /api/recordings/{recordingSid}?companyId=…&expires=…&signature=…` — the signed,
///   expiring link of a notification (``PlaybackLinkSigner``), no login.
///
/// The audio is fetched from Twilio with the company's own credentials and answered as
/// `audio/mpeg`; the answer never redirects to a URL that would carry them. Another
/// account's recording is a 404 (Twilio itself refuses the company's credentials for
/// it); one deleted by the company's retention is a 410; one too large for Lambda's 6 MB
/// answer is a 502 naming the limit.
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
    public func company(ofLink recordingSid: String, query: FormParameters) throws(Problem) -> CompanyID {
        guard let signer else {
            throw Problem(
                slug: "not-found", title: "No such route", status: 404,
                detail: "this deployment signs no playback links (no SWITCHBOARD_ADMIN_SECRET)")
        }
        let companyText = query["companyId"] ?? ""
        switch signer.verify(
            companyID: companyText, recordingSid: recordingSid, expires: query["expires"] ?? "",
            signature: query["signature"] ?? "")
        {
        case .valid:
            guard let id = try? CompanyID(companyText) else { throw Self.refusedLink("is not valid") }
            return id
        case .expired: throw Self.refusedLink("has expired; ask the company for a new one or sign in to play it")
        case .invalid: throw Self.refusedLink("is not valid")
        }
    }

    private static func refusedLink(_ why: String) -> Problem {
        Problem(slug: "link-refused", title: "Playback link refused", status: 403, detail: "This playback link \(why).")
    }

    /// The audio of `recordingSid` of company `id`.
    public func play(_ id: CompanyID, recordingSid: String, logger: Logger) throws(Problem) -> HTTPResponse {
        guard TwilioSID.isValid(recordingSid, prefix: "RE") else {
            throw .badRequest("recordingSid must be RE followed by 32 hexadecimal digits")
        }
        let found: Company?
        do { found = try directory.company(id: id) } catch {
            logger.error("recording.directory_unavailable", metadata: ["company.id": "\(id)", "error": "\(error)"])
            throw .directoryUnavailable()
        }
        guard let company = found else { throw .companyNotFound(id.rawValue) }
        if let record = try? archive.record(recordingSid: recordingSid, companyID: id),
            let deleted = record.recordingDeletedAt
        {
            throw Problem(
                slug: "recording-deleted", title: "Recording deleted", status: 410,
                detail: "Recording \(recordingSid) was deleted on \(deleted.prefix(10)) by the company's retention.")
        }
        guard let credentials = TwilioCredentials(of: company, sealer: sealer) else {
            throw Problem(
                slug: "no-credentials", title: "No Twilio credentials", status: 409,
                detail: "Company \(id) has no Twilio account and token to fetch its recordings with.")
        }
        let audio: [UInt8]
        do {
            if client == nil { client = try TwilioRESTClient(settings: twilioSettings) }
            audio = try client!.recordingAudio(credentials, sid: recordingSid)
        } catch {
            if case .rejected(let refusal) = error, refusal.status == 404 {
                throw Problem(
                    slug: "not-found", title: "No such recording", status: 404,
                    detail: "Company \(id) has no recording \(recordingSid).")
            }
            logger.error("recording.twilio_failed", metadata: ["company.id": "\(id)", "error": "\(error)"])
            if error.isUnavailable { throw .twilioUnavailable("Twilio could not be asked for the recording: \(error)") }
            throw Problem(
                slug: "twilio-refused", title: "Twilio refused", status: 502,
                detail: "Twilio refused the recording: \(error)")
        }
        guard audio.count <= Self.maximumBytes else {
            throw Problem(
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
