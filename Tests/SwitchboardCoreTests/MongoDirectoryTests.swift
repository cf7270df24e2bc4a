import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// What only the MongoDB directory has: indexes, races, outages, old documents.
@Suite("MongoDB directory")
struct MongoDirectoryTests {
    typealias F = DirectoryFixtures

    static func directory(_ uri: String? = nil) throws -> MongoTenantDirectory {
        try MongoTenantDirectory(uri: try uri ?? MongoTestServer.freshDatabaseURI(), appName: "switchboard-tests")
    }

    @Test("the MongoDB backend is configured for this run (make test starts its server)")
    func configured() {
        #expect(MongoTestServer.sharedURI(database: "x") != nil, "MONGODB_URI is not set: run `make test`")
    }

    @Test("index creation is idempotent")
    func indexesIdempotent() throws {
        let directory = try Self.directory()
        try directory.ensureIndexes()
        try directory.ensureIndexes()
        try directory.save(F.company("c1", list: [("+15550100001", "active")]))
        #expect(directory.indexProblem == nil)
    }

    @Test("concurrent saves claiming one number: exactly one wins")
    func concurrentClaims() throws {
        let database = "switchboard_test_" + UUID().uuidString.prefix(12).lowercased()
        let uri = try #require(MongoTestServer.sharedURI(database: database))
        for round in 0..<5 {
            let number = "+1555060\(String(format: "%04d", round))"
            let results = ResultsBox()
            DispatchQueue.concurrentPerform(iterations: 4) { index in
                do {
                    let directory = try MongoTenantDirectory(uri: uri, appName: "switchboard-tests")
                    try directory.save(F.company("r\(round)c\(index)", list: [(number, "active")]))
                    results.add(true)
                } catch DirectoryError.numberTaken {
                    results.add(false)
                } catch {
                    results.add(false)
                    Issue.record("unexpected error: \(error)")
                }
            }
            #expect(results.wins == 1, "round \(round): \(results.wins) companies got \(number)")
            let owner = try Self.directory(uri).tenant(servingNumber: F.number(number))
            #expect(owner != nil)
        }
    }

    @Test("an old document: legacy spelling, a BSON date, fields Switchboard does not model")
    func oldDocuments() throws {
        let server = try MongoTestServer()
        let uri = server.uri + "/legacy"
        let directory = try Self.directory(uri)
        // Written as the Node.js system wrote it.
        try MongoSeed.insert(
            uri: uri,
            json: #"""
                {"_id": {"$oid": "65a1f0c2e4b0a1a2b3c4d5e9"}, "companyName": "Old Co", "plan": "gold",
                 "twilioConfig": {"accountSid": "AC00000000000000000000000000000001", "authToken": "plaintext-token",
                   "phoneNumber": "+1-555-070-0001", "callRoutingMode": "voicemail", "recordingEnabled": false,
                   "lastUpdated": {"$date": "2024-03-01T10:00:00Z"}, "legacyFlag": true}}
                """#)
        let found = try #require(try directory.tenant(servingNumber: F.number("+15550700001")))
        #expect(found.companyID.rawValue == "65a1f0c2e4b0a1a2b3c4d5e9")
        #expect(found.authToken == .plaintext("plaintext-token"))
        var full = try #require(try directory.company(id: CompanyID("65a1f0c2e4b0a1a2b3c4d5e9")))
        #expect(full.twilio.lastUpdated?.hasPrefix("2024-03-01") == true)
        // A save keeps what Switchboard does not model.
        full.twilio.authToken = .sealed(
            F.sealer.seal("plaintext-token", companyID: full.id.rawValue, field: .authToken))
        try directory.save(full)
        let raw = try MongoSeed.find(uri: uri, json: #"{"find": "v2companies", "filter": {}}"#)
        #expect(raw.contains("\"plan\": \"gold\""))
        #expect(raw.contains("legacyFlag"))
        #expect(!raw.contains("plaintext-token"))
    }

    @Test("the server stopped mid-run: a typed error, then recovery when it returns")
    func outage() throws {
        let server = try MongoTestServer()
        let directory = try Self.directory(server.uri + "/outage?serverSelectionTimeoutMS=300")
        try directory.save(F.company("c1", list: [("+15550800001", "active")]))
        #expect(try directory.tenant(servingNumber: F.number("+15550800001")) != nil)
        server.stop()
        do {
            _ = try directory.tenant(servingNumber: F.number("+15550800001"))
            Issue.record("a lookup succeeded with the server down")
        } catch {
            guard case .unavailable(let why) = error else {
                Issue.record("not .unavailable: \(error)")
                return
            }
            #expect(why.contains("MongoDB"))
        }
        try server.start()  // empty again: the test server keeps nothing
        // libmongoc's monitor finds the server again within its minimum heartbeat (0.5 s).
        var recovered = false
        let deadline = Date().addingTimeInterval(10)
        while !recovered && Date() < deadline {
            recovered = (try? directory.save(F.company("c1", list: [("+15550800001", "active")]))) != nil
            if !recovered { usleep(100_000) }
        }
        #expect(recovered)
        #expect(try directory.tenant(servingNumber: F.number("+15550800001"))?.companyID.rawValue == "c1")
    }

    @Test(
        "a bad connection string is a clear error without the password or option values",
        arguments: [
            "mongodb://user:hunter2@/",
            "mongodb://user:hunter2@host:99999/db",
            "mongodb://host/db?authMechanismProperties=AWS_SESSION_TOKEN:hunter2&authMechanism=NOPE",
            "mongodb://host/db?tls=hunter2",  // libmongoc quotes the value it refuses
            "mongodb://host/db?readPreference=hunter2",
        ])
    func badURI(uri: String) {
        do {
            _ = try MongoTenantDirectory(uri: uri, appName: "x")
            Issue.record("accepted \(uri)")
        } catch {
            #expect(error.description.contains("connection string is not valid"))
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }

    @Test(
        "the store's description never shows credentials or options",
        arguments: [
            ("mongodb://app:s3cret@db.example:27017/switchboard", "mongodb://***@db.example:27017/switchboard"),
            ("mongodb://app:p@ss@word@db.example/switchboard", "mongodb://***@db.example/switchboard"),
            (
                "mongodb+srv://app:s3cret@cluster.example/sb?authMechanismProperties=AWS_SESSION_TOKEN:s3cret",
                "mongodb+srv://***@cluster.example/sb?…"
            ),
            ("mongodb://db.example/switchboard", "mongodb://db.example/switchboard"),
        ])
    func storeDescription(uri: String, shown: String) {
        #expect(StoreLocation.mongodb(uri: uri).description == shown)
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Bool] = []
    func add(_ won: Bool) {
        lock.lock()
        results.append(won)
        lock.unlock()
    }
    var wins: Int {
        lock.lock()
        defer { lock.unlock() }
        return results.filter { $0 }.count
    }
}
