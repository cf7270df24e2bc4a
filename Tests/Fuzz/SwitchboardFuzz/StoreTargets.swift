@_spi(Fuzzing) import SwitchboardCore
import SwitchboardJSON
import SwitchboardRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the stores hand back: the cache's values, MongoDB's Extended JSON, sealed secrets.
enum StoreTargets {
    static let sealer: SecretSealer = {
        let key = try! SecretSealer.DataKey(bytes: Array("switchboard-fuzz-data-key-32-byt".utf8))
        return SecretSealer(current: key)
    }()
    static let company = "65a1f0c2e4b0a1a2b3c4d5e1"
    static let token = "f67a7c7f153cbc78478bb9f47d148bc2"  // Acme's, in Examples/companies.json

    /// A value from the Redis tenant cache (`T` + JSON, `N`, `L` + lease token).
    static let redisValue = FuzzTarget(name: "redis-value", summary: "Redis value decoder") { bytes in
        _ = try? RedisTenantCache.read(bytes, at: "switchboard:v1:number:+15550100001", decoder: JSONDecoder())
    }

    /// A company document as libmongoc's relaxed Extended JSON gives it; and any string
    /// written into a MongoDB command must read back as itself (nothing a company admin
    /// types can change a command's shape).
    static let extendedJSON = FuzzTarget(name: "extended-json", summary: "Extended JSON") { bytes in
        if let document = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) {
            _ = try? MongoTenantDirectory.decodeCompany(document)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var command = "{\"filter\":"
        JSONText.appendString(text, to: &command)  // how MongoDB commands are written
        command += "}"
        let read = try? JSONDecoder().decode([String: String].self, from: Data(command.utf8))
        require(read == ["filter": text], "a string written into a command does not read back as itself")
    }

    /// A stored secret: only what was sealed under this key, for this company and field,
    /// may ever open.
    static let sealed = FuzzTarget(name: "sealed", summary: "sealed secret reader") { bytes in
        let stored = StoredSecret(stored: String(decoding: bytes, as: UTF8.self))
        guard case .sealed = stored else { return }
        guard let opened = try? sealer.open(stored, companyID: company, field: .authToken) else { return }
        require(opened == token, "a stored secret opened that was never sealed: \(opened.prefix(40))")
        require(
            (try? sealer.open(stored, companyID: company, field: .apiSecret)) == nil, "a secret opened as another field"
        )
        require(
            (try? sealer.open(stored, companyID: "65a1f0c2e4b0a1a2b3c4d5e2", field: .authToken)) == nil,
            "a secret opened for another company")
    }
}
