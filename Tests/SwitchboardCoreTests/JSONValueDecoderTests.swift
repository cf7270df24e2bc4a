import Foundation
import SwitchboardJSON
import Testing

@testable import SwitchboardCore

/// The embedded store reads company documents with ``JSONValueDecoder``; Foundation's
/// `JSONDecoder` is the independent implementation it must agree with.
@Suite("JSONValueDecoder agrees with Foundation's JSONDecoder")
struct JSONValueDecoderTests {
    /// What a decoding gave: the value, or the kind of error and where.
    enum Outcome<T: Equatable>: Equatable {
        case value(T)
        case failure(kind: String, path: [String])
    }

    func outcome<T: Decodable & Equatable>(_: T.Type, _ decode: () throws -> T) -> Outcome<T> {
        do {
            return .value(try decode())
        } catch let error as DecodingError {
            let (kind, context): (String, DecodingError.Context?) =
                switch error {
                case .typeMismatch(_, let context): ("typeMismatch", context)
                case .valueNotFound(_, let context): ("valueNotFound", context)
                case .keyNotFound(let key, let context): ("keyNotFound \(key.stringValue)", context)
                case .dataCorrupted(let context): ("dataCorrupted", context)
                @unknown default: ("unknown", nil)
                }
            return .failure(kind: kind, path: context?.codingPath.map(\.stringValue) ?? [])
        } catch {
            return .failure(kind: "\(Swift.type(of: error))", path: [])
        }
    }

    func expectAgreement<T: Decodable & Equatable>(
        _ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let ours = outcome(type) { try JSONValueDecoder().decode(type, from: Array(text.utf8)) }
        let foundation = outcome(type) { try JSONDecoder().decode(type, from: Data(text.utf8)) }
        // JSONDecoder names no path for a number out of range; ours names the member.
        if case .failure("dataCorrupted", let path) = ours, case .failure("dataCorrupted", []) = foundation,
            !path.isEmpty
        {
            return
        }
        #expect(ours == foundation, "\(text)", sourceLocation: sourceLocation)
    }

    @Test("every example company")
    func exampleCompanies() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Examples/companies.json")
        let companies = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [Any])
        #expect(companies.count >= 3)
        for company in companies {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: company), as: UTF8.self)
            expectAgreement(Company.self, text)
            #expect(throws: Never.self) { try JSONValueDecoder().decode(Company.self, from: Array(text.utf8)) }
        }
    }

    @Test(
        "documents as stores hold them, and broken ones",
        arguments: [
            #"{"_id":"abc"}"#,
            #"{"_id":{"$oid":"65a1f0c2e4b0a1a2b3c4d5e1"},"companyName":"Birch","twilioConfig":{}}"#,
            #"{"_id":"abc","twilioConfig":{"lastUpdated":{"$date":"2026-11-01T10:00:00Z"},"authTokenPreviousExpiresAt":{"$date":{"$numberLong":"1795644000000"}}}}"#,
            #"{"_id":"abc","twilioConfig":{"lastUpdated":{"$date":1795644000000},"recordingEnabled":true}}"#,
            #"{"_id":"abc","twilioConfig":{"phoneNumbers":[{"phoneNumber":"+15550100001","isPrimary":null},{"phoneNumber":"+15550100002","status":"released"}]}}"#,
            #"{"_id":"abc","companyName":null,"twilioConfig":null}"#,
            #"{"_id":"abc","twilioConfig":{"authToken":"sealed:v1:k1:abcd","apiSecret":"plain"}}"#,
            // Faults: each must fail the same way, at the same place.
            #"{}"#,
            #"{"_id":5}"#,
            #"{"_id":null}"#,
            #"{"_id":"abc","companyName":5}"#,
            #"{"_id":"abc","twilioConfig":[]}"#,
            #"{"_id":"abc","twilioConfig":{"recordingEnabled":1}}"#,
            #"{"_id":"abc","twilioConfig":{"recordingEnabled":"true"}}"#,
            #"{"_id":"abc","twilioConfig":{"phoneNumbers":[{"friendlyName":"no number"}]}}"#,
            #"{"_id":"abc","twilioConfig":{"phoneNumbers":[{"phoneNumber":"+15550100001"},7]}}"#,
            #"{"_id":"abc","twilioConfig":{"phoneNumbers":{"phoneNumber":"+15550100001"}}}"#,
            #"{"_id":"abc","twilioConfig":{"authToken":42}}"#,
            #"[]"#,
            #"null"#,
            #"{"_id":"abc""#,
            #"{"_id":"abc"} trailing"#,
        ])
    func documents(text: String) {
        expectAgreement(Company.self, text)
    }

    struct Numbers: Codable, Equatable {
        var int: Int?
        var small: Int8?
        var unsigned: UInt32?
        var double: Double?
        var list: [Int64]?
    }

    @Test(
        "numbers: whole, fractional, out of range",
        arguments: [
            #"{"int":42,"small":-128,"unsigned":4294967295,"double":1.5,"list":[1,-2,9007199254740993]}"#,
            #"{"int":1.0}"#,
            #"{"int":1e3}"#,
            #"{"int":1.5}"#,
            #"{"small":128}"#,
            #"{"unsigned":-1}"#,
            #"{"double":"1.5"}"#,
            #"{"list":[1,null]}"#,
            #"{"list":[true]}"#,
        ])
    func numbers(text: String) {
        expectAgreement(Numbers.self, text)
    }
}
