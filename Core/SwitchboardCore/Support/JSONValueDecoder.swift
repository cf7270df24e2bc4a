import SwitchboardJSON

/// Decodes `Decodable` values from JSON text read by Switchboard's own strict reader
/// (``JSONValue``), with the same results, and errors of the same kind at the same
/// coding path, as Foundation's `JSONDecoder` in its default settings for the types
/// Switchboard stores (a test compares the two). One difference: a number out of its
/// type's range is named with its path, where `JSONDecoder` gives none.
///
/// A one-shot function decodes one company document. The first use of `JSONDecoder` in
/// a process instantiates its generic machinery by mangled name, about half a million
/// instructions, a fifth of the whole start; this decoder costs a few thousand.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Decodes a `T` from the JSON text `bytes`.
    ///
    /// - Throws: `DecodingError`: `dataCorrupted` when the text is not JSON, otherwise
    ///   what `T`'s decoding throws (`keyNotFound`, `typeMismatch`, …) with its coding path.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "The given data was not valid JSON.", underlyingError: error))
        }
        return try T(from: ValueDecoder(value: value, codingPath: []))
    }
}

/// The `Decoder` of one value.
private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw notA([String: Any].self) }
        return KeyedDecodingContainer(KeyedContainer(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw notA([Any].self) }
        return UnkeyedContainer(items: items, codingPath: codingPath)
    }

    private func notA(_ type: Any.Type) -> DecodingError {
        guard case .null = value else { return mismatch(type, value, codingPath) }
        return DecodingError.valueNotFound(
            type, .init(codingPath: codingPath, debugDescription: "Cannot get a container -- found null value instead.")
        )
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath)
    }
}

/// A value of type `T` from `value`: strings, booleans and numbers directly, anything
/// else through its own `init(from:)`.
private func decodeValue<T: Decodable>(_ type: T.Type, from value: JSONValue, at codingPath: [any CodingKey]) throws
    -> T
{
    if case .null = value {
        throw DecodingError.valueNotFound(
            type, .init(codingPath: codingPath, debugDescription: "Expected \(type) value but found null instead."))
    }
    switch type {
    case is String.Type:
        guard case .string(let text) = value else { throw mismatch(type, value, codingPath) }
        return text as! T
    case is Bool.Type:
        guard case .bool(let flag) = value else { throw mismatch(type, value, codingPath) }
        return flag as! T
    case is Double.Type: return try number(Double.self, value, codingPath) as! T
    case is Float.Type: return try number(Float.self, value, codingPath) as! T
    // One case per integer type, not `as any FixedWidthInteger.Type`: a cast to a
    // protocol makes the runtime search every conformance in the executable on first
    // use, some 780,000 instructions of a one-shot function's start.
    case is Int.Type: return try integer(Int.self, value, codingPath) as! T
    case is Int8.Type: return try integer(Int8.self, value, codingPath) as! T
    case is Int16.Type: return try integer(Int16.self, value, codingPath) as! T
    case is Int32.Type: return try integer(Int32.self, value, codingPath) as! T
    case is Int64.Type: return try integer(Int64.self, value, codingPath) as! T
    case is UInt.Type: return try integer(UInt.self, value, codingPath) as! T
    case is UInt8.Type: return try integer(UInt8.self, value, codingPath) as! T
    case is UInt16.Type: return try integer(UInt16.self, value, codingPath) as! T
    case is UInt32.Type: return try integer(UInt32.self, value, codingPath) as! T
    case is UInt64.Type: return try integer(UInt64.self, value, codingPath) as! T
    default: return try T(from: ValueDecoder(value: value, codingPath: codingPath))
    }
}

private func number<T: BinaryFloatingPoint & LosslessStringConvertible>(
    _ type: T.Type, _ value: JSONValue, _ codingPath: [any CodingKey]
) throws -> T {
    guard case .number(let text) = value else { throw mismatch(type, value, codingPath) }
    guard let number = T(text), number.isFinite else {
        throw DecodingError.dataCorrupted(
            .init(codingPath: codingPath, debugDescription: "Parsed JSON number <\(text)> does not fit in \(type)."))
    }
    return number
}

private func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, _ codingPath: [any CodingKey]) throws
    -> T
{
    guard case .number(let text) = value else { throw mismatch(type, value, codingPath) }
    // A whole number may be written with a fraction or exponent (`1.0`, `1e3`).
    if let exact = T(text) ?? Double(text).flatMap({ T(exactly: $0) }) { return exact }
    throw DecodingError.dataCorrupted(
        .init(codingPath: codingPath, debugDescription: "Parsed JSON number <\(text)> does not fit in \(type)."))
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ codingPath: [any CodingKey]) -> DecodingError {
    let found =
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        }
    return DecodingError.typeMismatch(
        type, .init(codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(found) instead."))
}

/// An array element's position, for coding paths.
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: codingPath,
                    debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try member(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue] else { return nil }
        if case .null = value { return nil }
        return try decodeValue(type, from: value, at: codingPath + [key])
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try decodeValue(type, from: member(key), at: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, [any CodingKey]) {
        let path = codingPath + [IndexKey(intValue: currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: path, debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex] else {
            if isAtEnd { _ = try next(Any?.self) }
            return false
        }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next(type)
        return try decodeValue(type, from: value, at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        let (value, path) = try next(KeyedDecodingContainer<NestedKey>.self)
        return try ValueDecoder(value: value, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next((any UnkeyedDecodingContainer).self)
        return try ValueDecoder(value: value, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next((any Decoder).self)
        return ValueDecoder(value: value, codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Bool.Type) throws -> Bool { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: String.Type) throws -> String { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeValue(type, from: value, at: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeValue(type, from: value, at: codingPath) }
}
