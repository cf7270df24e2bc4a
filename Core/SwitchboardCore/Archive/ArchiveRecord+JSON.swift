import SwitchboardRuntime

extension ArchiveRecord {
    /// The record as one JSON object, keys sorted and absent fields left out — the form
    /// the embedded archive stores. Written by hand: it is written on every call, where
    /// `JSONEncoder`'s general machinery cost more than the rest of the archive write.
    /// `JSONDecoder` reads it back (a test checks both ways agree).
    public var jsonText: String {
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(512)
        var first = true
        func member(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            output.append(UInt8(ascii: "\""))
            output.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &output)
        }
        member("accountSid", accountSid)
        member("at", at)
        member("body", body)
        member("companyId", companyId)
        member("decision", decision)
        member("direction", direction)
        member("from", from)
        member("keyword", keyword)
        member("kind", kind.rawValue)
        if let mediaUrls {
            output.append(literal: first ? #""mediaUrls":["# : #","mediaUrls":["#)
            first = false
            for (index, url) in mediaUrls.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(url, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        member("recordingDuration", recordingDuration)
        member("recordingSid", recordingSid)
        member("recordingUrl", recordingUrl)
        member("sid", sid)
        member("to", to)
        output.append(UInt8(ascii: "}"))
        return String(decoding: output, as: UTF8.self)
    }
}
