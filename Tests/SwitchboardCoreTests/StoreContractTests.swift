import Foundation
import TestSupport
import Testing

@testable import SwitchboardCore

/// What every ``SwitchboardStore`` hands out, run unchanged on both backends: the stores
/// beside the directory share its place (what one writes, the others see), the outbound
/// ledger keeps its contract, and the store answers its probe and lends a directory to
/// another thread. The directory, the archive and the health store have their own
/// contract suites (DirectoryContractTests, CallArchiveTests, CompanyHealthStoreTests),
/// each run through ``TestStores``.
@Suite("Store contract (every backend)")
struct StoreContractTests {
    typealias F = DirectoryFixtures

    @Test(
        "one place: a saved company is due in the health store, readable from another thread",
        arguments: DirectoryBackend.all)
    func onePlace(backend: DirectoryBackend) throws {
        let store = try backend.makeStore()
        let writer = CompanySettingsWriter(store: store, sealer: F.sealer)
        let saved = try writer.save(
            F.company("65a1f0c2e4b0a1a2b3c4d5f1", list: [("+15550910001", "active")]), updatedBy: "t")
        #expect(saved.healthCheckDue)
        #expect(try store.healthStore().record(of: saved.company.id) != nil)
        let other = try store.directoryForAnotherThread()
        #expect(try other.company(id: saved.company.id)?.name == saved.company.name)
        #expect(try other.tenant(servingNumber: F.number("+15550910001"))?.companyID == saved.company.id)
        try store.probe.run()
        #expect(store.probe.backend == backend.name)
        switch backend.name {
        case "mongodb": #expect(try store.ensureIndexes()?.contains("unique number indexes ensured") == true)
        default: #expect(try store.ensureIndexes() == nil && store.indexesToEnsure == nil)
        }
    }

    @Test(
        "the outbound ledger: claim, replay, conflict, release, and per-company counts by minute",
        arguments: DirectoryBackend.all)
    func outboundLedger(backend: DirectoryBackend) throws {
        let ledger = try backend.makeStore().outboundLedger()
        let company = try CompanyID("c1")
        let other = try CompanyID("c2")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try ledger.claim(companyID: company, key: "k1", requestHash: "h1", now: now) == .claimed)
        // The same key for another company is its own.
        #expect(try ledger.claim(companyID: other, key: "k1", requestHash: "h9", now: now) == .claimed)
        guard case .unfinished = try ledger.claim(companyID: company, key: "k1", requestHash: "h1", now: now) else {
            Issue.record("a running request's key must be unfinished")
            return
        }
        #expect(try ledger.claim(companyID: company, key: "k1", requestHash: "h2", now: now) == .conflict)
        let answer = OutboundAnswer(status: 201, body: #"{"sid":"SM1"}"#)
        try ledger.settle(companyID: company, key: "k1", answer: answer)
        #expect(try ledger.claim(companyID: company, key: "k1", requestHash: "h1", now: now) == .replay(answer))
        // A key given up is free again; an expired one too.
        #expect(try ledger.claim(companyID: company, key: "k2", requestHash: "h1", now: now) == .claimed)
        try ledger.release(companyID: company, key: "k2")
        #expect(try ledger.claim(companyID: company, key: "k2", requestHash: "h3", now: now) == .claimed)
        let later = now.addingTimeInterval(Double(IdempotencyWindow.seconds) + 1)
        #expect(try ledger.claim(companyID: company, key: "k1", requestHash: "h4", now: later) == .claimed)

        #expect(try ledger.countSend(companyID: company, minute: 100) == 1)
        #expect(try ledger.countSend(companyID: company, minute: 100) == 2)
        #expect(try ledger.countSend(companyID: other, minute: 100) == 1)
        #expect(try ledger.countSend(companyID: company, minute: 101) == 1)
    }
}
