import Dispatch
import Foundation
import GRDB
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
@testable import PromptOpsServer
import Testing

/// The serving snapshot under passes: answers are always one table's, and a build in progress
/// holds up no request.
@Suite("Serving snapshot under passes")
struct SnapshotConsistencyTests {
    static let reply = "/api/v1/namespaces/support/deployments/support-reply-prod"
    static let body = #"{"variables": {"customer_name": "Ana", "ticket": "Hi"}}"#

    /// The greeting version `v` of support-reply carries: 1 is the first commit's.
    static func greeting(_ version: Int) -> String { version == 1 ? "Hello" : "G\(version)" }

    @Test("passes in a loop while requests resolve and render: every answer is one version's, and versions never go back")
    func answersAreOneSnapshotEach() async throws {
        let served = try ServedStore(Manifests.repository())
        let server = TestServer(served)
        let problems = try await server.run { client in
            // The first table, built by the first request.
            #expect(try await client.get(Self.reply + "/resolve").object["version"] as? Int == 1)
            return try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    for n in 2...25 {
                        try served.apply(Manifests.repository(greeting: Self.greeting(n)), revision: ServedStore.revision(n))
                        try await server.snapshot.refreshOffPool()
                    }
                    return []
                }
                for worker in 0..<4 {
                    group.addTask {
                        var problems: [String] = []
                        var lastSeen = 0
                        var hashes: [Int: String] = [:]
                        for i in 0..<150 {
                            if i % 2 == 0 {
                                let answer = try await client.post(Self.reply + "/render", json: Self.body).object
                                let version = answer["version"] as? Int ?? 0
                                let content = (answer["messages"] as? [[String: String]])?.last?["content"]
                                if content != "\(Self.greeting(version)) Ana (0 orders): Hi" {
                                    problems.append("worker \(worker): version \(version) rendered \(content ?? "nothing")")
                                }
                                if version < lastSeen { problems.append("worker \(worker): version \(version) after \(lastSeen)") }
                                lastSeen = max(lastSeen, version)
                            } else {
                                let answer = try await client.get(Self.reply + "/resolve?key=k\(i)").object
                                let version = answer["version"] as? Int ?? 0, hash = answer["hash"] as? String ?? ""
                                if let known = hashes[version], known != hash { problems.append("version \(version) with two hashes") }
                                hashes[version] = hash
                                if version < lastSeen { problems.append("worker \(worker): version \(version) after \(lastSeen)") }
                                lastSeen = max(lastSeen, version)
                            }
                        }
                        return problems
                    }
                }
                var all: [String] = []
                for try await problems in group { all += problems }
                return all
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        // Each pass that changed something built one table from its one namespace; the first
        // table read them all.
        #expect(server.snapshot.loadCount == 25)
    }

    @Test("a change of a Deployment row that writes no audit record (a rollout step) reaches the table")
    func rolloutStepsWithoutAuditRecordsAreSeen() async throws {
        let served = try ServedStore(Manifests.repository())
        try served.apply(Manifests.repository(greeting: "G2"), revision: ServedStore.revision(2))
        let server = TestServer(served)
        try await server.run { client in
            #expect(try await client.get(Self.reply + "/resolve?key=a").object["version"] as? Int == 2)
            let auditHead = try served.store.auditHead()
            // What the rollout driver's weight step does to the row: no audit record.
            try await served.writeCanaryRow(version: 1, weight: 100)
            #expect(try served.store.auditHead() == auditHead)
            #expect(try server.snapshot.refresh(), "the change was seen")
            let answer = try await client.get(Self.reply + "/resolve?key=a").object
            #expect(answer["variant"] as? String == "canary" && answer["version"] as? Int == 1, "\(answer)")
            #expect(try server.snapshot.refresh() == false, "nothing changed since")
        }
    }

    @Test("a refresh that fails is logged and the table keeps serving what it held")
    func aFailedRefreshIsLoggedAndServingGoesOn() async throws {
        let served = try ServedStore(Manifests.repository())
        let lines = LogLines()
        let snapshot = ServingSnapshot(store: served.store, logger: Logger(label: "test") { _ in lines })
        #expect(try snapshot.refresh())
        // Break the store behind its back, then change it: the refresh cannot read it.
        let queue = try DatabaseQueue(path: served.directory.appendingPathComponent("serving.sqlite").path)
        try await queue.write { db in try db.execute(sql: "DROP TABLE serving_change") }
        try queue.close()
        snapshot.refreshReportingFailure()
        #expect(lines.messages.contains { $0.contains("could not be refreshed") }, "\(lines.messages)")
        #expect(try snapshot.entry(namespace: "support", name: "support-reply-prod")?.stable.version == 1)
    }

    @Test("a table build stalled mid-way (refresh lock held) holds up no resolve or render")
    func noRequestWaitsForABuild() async throws {
        let gate = BuildGate()
        let served = try ServedStore(Manifests.repository())
        let server = TestServer(served, duringBuild: { gate.pass() })
        try await server.run { client in
            #expect(try await client.get(Self.reply + "/resolve").object["version"] as? Int == 1)
            try served.apply(Manifests.repository(greeting: "G2"), revision: ServedStore.revision(2))
            gate.arm()
            let refreshed = Thread.detachedResult { (try? server.snapshot.refresh()) ?? false }
            gate.waitUntilEntered()
            // The build is stuck inside the refresh lock; every request still answers, from
            // the table before it.
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let answer = i % 2 == 0
                            ? try await client.get(Self.reply + "/resolve?key=\(i)").object
                            : try await client.post(Self.reply + "/render", json: Self.body).object
                        return answer["version"] as? Int ?? 0
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    return -1
                }
                var versions: [Int] = []
                for try await version in group {
                    if version == -1 { break }
                    versions.append(version)
                    if versions.count == 40 { break }
                }
                group.cancelAll()
                return versions
            }
            #expect(answered.count == 40, "answered \(answered.count) of 40 while a build was stalled")
            #expect(answered.allSatisfy { $0 == 1 })
            gate.release()
            #expect(await refreshed.value)
            #expect(try await client.get(Self.reply + "/resolve").object["version"] as? Int == 2)
        }
    }
}

/// Stops a table build inside the snapshot until released (only while armed).
final class BuildGate: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSCondition()
    private var armed = false
    private var entered = false
    private var released = false

    func arm() { lock.lock(); armed = true; lock.unlock() }

    /// Called by the build: waits while armed and not released.
    func pass() {
        lock.lock()
        defer { lock.unlock() }
        guard armed else { return }
        entered = true
        lock.broadcast()
        while !released { lock.wait() }
    }

    /// Waits (at most 30 s) until a build is stopped at the gate.
    func waitUntilEntered() {
        let deadline = Date().addingTimeInterval(30)
        lock.lock()
        defer { lock.unlock() }
        while !entered, lock.wait(until: deadline) {}
    }

    func release() { lock.lock(); released = true; lock.broadcast(); lock.unlock() }
}

extension Thread {
    /// Runs blocking `body` on a thread of its own; the task's value is its result.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Task<T, Never> {
        Task {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: body()) }
            }
        }
    }
}

/// A log handler that keeps the messages (shared by every logger made with it).
final class LogLines: LogHandler, @unchecked Sendable {
    // `store` is guarded by its own lock; metadata and level are set once by the test.
    private let store = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    var messages: [String] { store.withLockedValue { $0 } }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        store.withLockedValue { $0.append("\(level) \(message)") }
    }
}
