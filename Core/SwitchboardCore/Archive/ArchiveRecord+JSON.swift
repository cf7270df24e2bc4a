import SwitchboardJSON

extension ArchiveRecord {
    /// The record as one JSON object, keys sorted and absent fields left out — the form
    /// the embedded archive stores. Written by hand: it is written on every call, where
    /// `JSONEncoder`'s general machinery cost more than the rest of the archive write.
    /// `JSONDecoder` reads it back (a test checks both ways agree).
    public var jsonText: String {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        var object = JSONMembers(opening: &output)
        object.string("acceptedBy", acceptedBy, to: &output)
        object.string("accountSid", accountSid, to: &output)
        if let answered {
            object.key("answered", to: &output)
            output.append(contentsOf: answered ? Array("true".utf8) : Array("false".utf8))
        }
        object.string("at", at, to: &output)
        object.string("body", body, to: &output)
        object.string("channel", channel, to: &output)
        object.string("companyId", companyId, to: &output)
        object.string("contentSid", contentSid, to: &output)
        object.string("decision", decision, to: &output)
        if let dialDurationSeconds {
            object.key("dialDurationSeconds", to: &output)
            output.append(contentsOf: Array(String(dialDurationSeconds).utf8))
        }
        object.string("dialStatus", dialStatus, to: &output)
        object.string("direction", direction, to: &output)
        if let durationSeconds {
            object.key("durationSeconds", to: &output)
            output.append(contentsOf: Array(String(durationSeconds).utf8))
        }
        object.string("endedAt", endedAt, to: &output)
        object.string("errorCode", errorCode, to: &output)
        object.string("errorMessage", errorMessage, to: &output)
        object.string("forwardFallback", forwardFallback, to: &output)
        object.string("from", from, to: &output)
        object.string("keyword", keyword, to: &output)
        object.string("kind", kind.rawValue, to: &output)
        if let mediaUrls {
            object.key("mediaUrls", to: &output)
            output.append(UInt8(ascii: "["))
            for (index, url) in mediaUrls.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(url, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        object.string("messagingServiceSid", messagingServiceSid, to: &output)
        object.string("recordingDeletedAt", recordingDeletedAt, to: &output)
        object.string("recordingDuration", recordingDuration, to: &output)
        if let recordingDurationSeconds {
            object.key("recordingDurationSeconds", to: &output)
            output.append(contentsOf: Array(String(recordingDurationSeconds).utf8))
        }
        object.string("recordingSid", recordingSid, to: &output)
        object.string("recordingStatus", recordingStatus, to: &output)
        object.string("recordingUrl", recordingUrl, to: &output)
        object.string("screening", screening, to: &output)
        object.string("sid", sid, to: &output)
        object.string("status", status, to: &output)
        if let statusOrder {
            object.key("statusOrder", to: &output)
            output.append(contentsOf: Array(String(statusOrder).utf8))
        }
        object.string("to", to, to: &output)
        object.string("transcript", transcript, to: &output)
        object.string("transcriptStatus", transcriptStatus, to: &output)
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }
}
