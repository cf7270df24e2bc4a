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

    @Test(
        "the notification ledger: scheduled once, brought forward while pending, claimed by one until its lease ends, finished as sent, skipped, failed (retried) or abandoned",
        arguments: DirectoryBackend.all)
    func notificationLedger(backend: DirectoryBackend) throws {
        let ledger = try backend.makeStore().notificationLedger()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let call = NotificationKey(companyID: try CompanyID("c1"), callSid: "CA" + String(repeating: "1", count: 32))
        let same = NotificationKey(companyID: try CompanyID("c2"), callSid: call.callSid)
        let wait = now.addingTimeInterval(120)

        try ledger.schedule(call, dueAt: wait, now: now)
        try ledger.schedule(call, dueAt: now.addingTimeInterval(600), now: now)  // a later one changes nothing
        try ledger.schedule(same, dueAt: wait, now: now)  // another company's call of that sid is its own
        #expect(try ledger.entry(call) == NotificationEntry(key: call, state: .pending, dueAt: wait))
        #expect(try ledger.claim(call, now: now, leaseSeconds: 60) == nil)  // not yet due
        #expect(try ledger.due(now: now, limit: 10).isEmpty)
        #expect(
            try ledger.due(now: wait, limit: 10).map(\.key).sorted { $0.description < $1.description } == [call, same])
        #expect(try ledger.due(now: wait, limit: 1).count == 1)

        // The transcript arrives: the call is brought forward and claimed by one sender only.
        try ledger.schedule(call, dueAt: now.addingTimeInterval(5), now: now)
        let soon = now.addingTimeInterval(5)
        #expect(try ledger.claim(call, now: soon, leaseSeconds: 60)?.state == .sending)
        #expect(try ledger.claim(call, now: soon, leaseSeconds: 60) == nil)
        try ledger.schedule(call, dueAt: soon, now: soon)  // a repeat while it is claimed changes nothing
        #expect(try ledger.claim(call, now: soon, leaseSeconds: 60) == nil)
        // A sender that died: its lease runs out and another claims it.
        let leaseOver = soon.addingTimeInterval(60)
        #expect(try ledger.due(now: leaseOver, limit: 10).contains { $0.key == call })
        #expect(try ledger.claim(call, now: leaseOver, leaseSeconds: 60) != nil)
        let retry = leaseOver.addingTimeInterval(60)
        try ledger.finish(
            call, .failed("Twilio answered 503", retryAt: retry, delivered: ["+15550001111", "a@example.com"]),
            now: leaseOver)
        var entry = try #require(try ledger.entry(call))
        #expect(entry.state == .failed && entry.failures == 1 && entry.lastError == "Twilio answered 503")
        #expect(entry.delivered == ["+15550001111", "a@example.com"])
        #expect(entry.dueAt == retry)
        #expect(try ledger.claim(call, now: leaseOver, leaseSeconds: 60) == nil)
        #expect(try ledger.claim(call, now: retry, leaseSeconds: 60) != nil)
        try ledger.finish(call, .sent, now: retry)
        entry = try #require(try ledger.entry(call))
        #expect(entry.state == .sent && entry.sentAt == retry && entry.dueAt == nil && entry.failures == 1)
        #expect(entry.delivered == ["+15550001111", "a@example.com"])
        // Sent is final: nothing brings it back.
        try ledger.schedule(call, dueAt: retry, now: retry)
        #expect(try ledger.claim(call, now: retry.addingTimeInterval(3_600), leaseSeconds: 60) == nil)
        #expect(!(try ledger.due(now: retry.addingTimeInterval(3_600), limit: 10).contains { $0.key == call }))
        // A finish without a claim changes nothing.
        try ledger.finish(same, .sent, now: retry)
        #expect(try ledger.entry(same)?.state == .pending)

        #expect(try ledger.claim(same, now: wait, leaseSeconds: 60) != nil)
        try ledger.finish(same, .failed("no relay", retryAt: nil), now: wait)
        #expect(try ledger.entry(same)?.state == .abandoned)
        #expect(try ledger.due(now: wait.addingTimeInterval(86_400), limit: 10).isEmpty)

        let answered = NotificationKey(
            companyID: try CompanyID("c1"), callSid: "CA" + String(repeating: "2", count: 32))
        try ledger.schedule(answered, dueAt: now, now: now)
        #expect(try ledger.claim(answered, now: now, leaseSeconds: 60) != nil)
        try ledger.finish(answered, .skipped, now: now)
        #expect(try ledger.entry(answered)?.state == .skipped)
        #expect(try ledger.entry(NotificationKey(companyID: try CompanyID("c3"), callSid: "CA1")) == nil)
        // A page's calls in one read: those with an entry, of that company only.
        let listed = try ledger.entries(
            companyID: try CompanyID("c1"),
            callSids: [call.callSid, answered.callSid, "CA" + String(repeating: "3", count: 32)])
        #expect(Set(listed.map(\.key)) == [call, answered])
        #expect(try ledger.entries(companyID: try CompanyID("c2"), callSids: [answered.callSid]).isEmpty)
    }
}
