import SwitchboardJSON

/// The media type a `Content-Type` header names.
public enum MediaType {
    /// What comes before the header's parameters (`;`), without the white space around
    /// it, in lower case (media types are ASCII and case-insensitive): `application/json`
    /// for `Application/JSON; charset=utf-8`. Read as bytes: webhooks ask for every call.
    public static func of(_ contentType: String) -> String {
        var header = contentType
        return header.withUTF8 { bytes in
            let type = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count)])
            let lowered = type[type.asciiTrimmedRange()].map(\.asciiLowercased)
            return String(decoding: lowered, as: UTF8.self)
        }
    }
}
