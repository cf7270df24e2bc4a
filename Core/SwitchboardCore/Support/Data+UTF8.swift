#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Data {
    /// `text`'s UTF-8 bytes, copied straight from the string's storage.
    ///
    /// `Data(text.utf8)` asks the Swift runtime whether the view is contiguous bytes,
    /// and the first such question in a process searches every conformance in the
    /// executable: a cost a one-shot function would pay on each event, on its way to
    /// decoding a stored document.
    init(utf8Of text: String) {
        var text = text
        self = text.withUTF8 { Data(buffer: $0) }
    }
}
