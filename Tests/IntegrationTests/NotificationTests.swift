import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import PromptOpsController
@testable import PromptOpsStore
import Testing

/// Notifications end to end: a real git repository and controller pass write events (and their
/// outbox rows), a dispatcher delivers them over HTTP to a recording server on loopback.
@Suite struct NotificationTests {
    /// Fast retries so failure paths finish in well under a second.
    static let fastRetry = NotificationDispatcher.RetryPolicy(base: .milliseconds(50), cap: .milliseconds(200), maxAttempts: 3)

    // MARK: (a) webhook

    @Test func aWebhookGetsOneCloudEventForABlockedNamespaceWithItsLocatedErrors() async throws {
        let fixture = try Fixture()
        try await fixture.applyTwoTeams()
        let server = RecordingServer()
        try await server.run { base in
            let receiver = NotificationReceiver(name: "hook", kind: .webhook, url: base + "/hooks/promptops")
            try await fixture.withDispatcher(receivers: [receiver], rules: [NotificationRule(receiver: "hook", events: ["Blocked"])]) { dispatcher in
                let sha = try await fixture.breakAlpha()
                dispatcher.wake()
                #expect(try await eventually { try fixture.store.deliveryCounts()["delivered"] == 1 })
                // More passes find nothing more to send.
                dispatcher.wake()
                try await Task.sleep(for: .milliseconds(300))
                let requests = server.requests
                try #require(requests.count == 1)
                let request = requests[0]
                #expect(request.method == "POST")
                #expect(request.path == "/hooks/promptops")
                #expect(request.header("Content-Type") == "application/cloudevents+json")
                #expect(request.header("User-Agent") == "promptops")

                let event = try #require(try fixture.store.events(namespace: "alpha").last { $0.reason == StoreEvent.Reason.syncFailed })
                let doc = request.json
                #expect(doc["specversion"] as? String == "1.0")
                #expect(doc["id"] as? String == String(event.id))
                #expect(request.header("Idempotency-Key") == String(event.id))
                #expect(doc["source"] as? String == "promptops")
                #expect(doc["type"] as? String == "dev.promptops.Blocked")
                #expect(doc["subject"] as? String == "alpha")
                #expect(doc["datacontenttype"] as? String == "application/json")
                #expect((doc["time"] as? String).flatMap { ISO8601DateFormatter.withFraction.date(from: $0) } != nil)
                let data = try #require(doc["data"] as? [String: Any])
                #expect(data["namespace"] as? String == "alpha")
                #expect(data["revision"] as? String == sha)
                #expect((data["message"] as? String)?.contains("not applied") == true)
                let errors = data["errors"] as? [[String: Any]] ?? []
                #expect(errors.count == 1)
                let location = errors.first?["location"] as? [String: Any]
                #expect(location?["path"] as? String == "alpha/greet.yaml")
                #expect(location?["line"] as? Int == 6)
                #expect((errors.first?["message"] as? String)?.contains("nobody") == true)
                #expect(try fixture.store.deliveryCounts() == ["delivered": 1, "pending": 0, "failed": 0])
                #expect(await dispatcher.counters().delivered == 1)
            }
        }
    }

    // MARK: (b) retries

    @Test func aReceiverThatFailsForAWhileGetsTheNotificationEventually() async throws {
        let fixture = try Fixture()
        try await fixture.applyTwoTeams()
        try await fixture.breakAlpha()
        let server = RecordingServer()
        server.failuresFirst.withLockedValue { $0 = 2 }
        try await server.run { base in
            let receiver = NotificationReceiver(name: "hook", kind: .webhook, url: base + "/hook")
            let retry = NotificationDispatcher.RetryPolicy(base: .milliseconds(50), cap: .milliseconds(200), maxAttempts: 5)
            try await fixture.withDispatcher(receivers: [receiver], rules: [NotificationRule(receiver: "hook", events: ["Blocked"])],
                                             retry: retry) { dispatcher async throws in
                #expect(try await eventually { try fixture.store.deliveryCounts()["delivered"] == 1 })
                #expect(try fixture.store.deliveryCounts() == ["delivered": 1, "pending": 0, "failed": 0])
                let requests = server.requests
                #expect(requests.count == 3)
                // Every attempt carries the same key, so the receiver can drop repeats.
                #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 1)
                let counters = await dispatcher.counters()
                #expect(counters.retried == 2)
                #expect(counters.delivered == 1)
                #expect(counters.failed == 0)
                #expect(try fixture.value("SELECT attempts FROM outbox_delivery") as Int? == 3)
            }
        }
    }

    // MARK: (c) budget spent

    @Test func aReceiverThatStaysDownGetsTheNotificationRecordedAsFailed() async throws {
        let fixture = try Fixture()
        try await fixture.applyTwoTeams()
        try await fixture.breakAlpha()
        let server = RecordingServer()
        server.status.withLockedValue { $0 = 503 }
        try await server.run { base in
            let receiver = NotificationReceiver(name: "hook", kind: .webhook, url: base + "/hook")
            try await fixture.withDispatcher(receivers: [receiver], rules: [NotificationRule(receiver: "hook", events: ["Blocked"])],
                                             retry: Self.fastRetry) { dispatcher in
                #expect(try await eventually { try fixture.store.deliveryCounts()["failed"] == 1 })
                #expect(try fixture.store.deliveryCounts() == ["delivered": 0, "pending": 0, "failed": 1])
                #expect(server.requests.count == 3)
                let failed = try fixture.store.events(limit: 1000).filter { $0.reason == StoreEvent.Reason.notificationFailed }
                try #require(failed.count == 1)
                #expect(failed[0].type == .warning)
                #expect(failed[0].namespace == "alpha")
                #expect(failed[0].message.contains("hook"))
                #expect(failed[0].message.contains("HTTP 503"))
                #expect(try fixture.value("SELECT last_error FROM outbox_delivery") as String? == "HTTP 503")
                #expect(await dispatcher.counters().failed == 1)
                // The NotificationFailed event is not itself notified.
                #expect(try fixture.store.notifications().allSatisfy { $0.type != StoreEvent.Reason.notificationFailed })
            }
        }
    }

    // MARK: (d) restart

    @Test func aNotificationNotDeliveredBeforeAStopIsDeliveredByTheNextDispatcher() async throws {
        let fixture = try Fixture()
        try await fixture.applyTwoTeams()
        try await fixture.breakAlpha()
        let server = RecordingServer()
        server.holding.withLockedValue { $0 = true }
        try await server.run { base in
            let receiver = NotificationReceiver(name: "hook", kind: .webhook, url: base + "/hook")
            let rules = [NotificationRule(receiver: "hook", events: ["Blocked"])]
            // The first dispatcher sends, and is stopped while the receiver has not answered.
            // (A long request timeout: on a loaded machine the stop can come seconds after the
            // request arrived, and a timed-out attempt would count as a failure, not a stop.)
            try await fixture.withDispatcher(receivers: [receiver], rules: rules, requestTimeout: .seconds(600)) { _ async throws in
                #expect(try await eventually { server.requests.count == 1 })
            }
            #expect(try fixture.store.deliveryCounts() == ["delivered": 0, "pending": 1, "failed": 0])
            #expect(try fixture.value("SELECT attempts FROM outbox_delivery") as Int? == 0)
            server.holding.withLockedValue { $0 = false }

            // A new process: a new store connection on the same file and a new dispatcher.
            let reopened = try ServingStore(path: fixture.databasePath)
            try await fixture.withDispatcher(store: reopened, receivers: [receiver], rules: rules) { dispatcher async throws in
                #expect(try await eventually { try reopened.deliveryCounts()["delivered"] == 1 })
                #expect(await dispatcher.counters().delivered == 1)
            }
            let requests = server.requests
            #expect(requests.count == 2)
            #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 1)
        }
    }

    // MARK: (e) GitHub commit statuses

    @Test func aGitHubReceiverGetsCommitStatusesForAppliedAndBlocked() async throws {
        let fixture = try Fixture()
        let server = RecordingServer()
        server.status.withLockedValue { $0 = 201 }
        try await server.run { base in
            let receiver = NotificationReceiver(name: "commit-status", kind: .github, url: base + "/", repository: "acme/prompts",
                                                token: "ghp_test_token_1")
            let rules = [NotificationRule(receiver: "commit-status", events: ["Applied", "Blocked"])]
            try await fixture.withDispatcher(receivers: [receiver], rules: rules) { dispatcher in
                let first = try await fixture.applyTwoTeams()
                let second = try await fixture.breakAlpha()
                dispatcher.wake()
                #expect(try await eventually { try fixture.store.deliveryCounts()["delivered"] == 3 })
                let requests = server.requests
                try #require(requests.count == 3)
                for request in requests {
                    #expect(request.method == "POST")
                    #expect(request.header("Authorization") == "Bearer ghp_test_token_1")
                    #expect(request.header("Accept") == "application/vnd.github+json")
                    #expect(request.header("Idempotency-Key") != nil)
                }
                let applied = requests.filter { $0.path == "/repos/acme/prompts/statuses/\(first)" }
                #expect(Set(applied.map { $0.json["context"] as? String ?? "" }) == ["promptops/alpha", "promptops/beta"])
                #expect(applied.allSatisfy { $0.json["state"] as? String == "success" })
                let blocked = try #require(requests.first { $0.path == "/repos/acme/prompts/statuses/\(second)" })
                #expect(blocked.json["state"] as? String == "failure")
                #expect(blocked.json["context"] as? String == "promptops/alpha")
                let description = try #require(blocked.json["description"] as? String)
                #expect(description.count <= 140)
                #expect(blocked.json["target_url"] == nil)
            }
        }
    }

    // MARK: (f) secrets

    @Test func noReceiverURLTokenOrResponseBodyReachesTheStoreOrTheLog() async throws {
        let slackSecret = "SLACKSECRET0123456789abcdef"
        let tokenSecret = "ghp_TOKENSECRET9876543210"
        let pathSecret = "HOOKPATHSECRET42"
        let fixture = try Fixture()
        try await fixture.applyTwoTeams()
        try await fixture.breakAlpha()
        let server = RecordingServer()
        server.status.withLockedValue { $0 = 500 }
        let lines = NIOLockedValueBox<[String]>([])
        let logger = {
            var logger = Logger(label: "notifications") { _ in CapturingLogHandler(lines: lines) }
            logger.logLevel = .trace
            return logger
        }()
        try await RecordingServer.withRefusingAddress { refused in
            try await server.run { base in
                let receivers = [
                    NotificationReceiver(name: "team-chat", kind: .slack, url: base + "/services/T000/B000/\(slackSecret)"),
                    NotificationReceiver(name: "commit-status", kind: .github, url: base, repository: "acme/prompts", token: tokenSecret),
                    NotificationReceiver(name: "hook", kind: .webhook, url: refused + "/hooks/\(pathSecret)"),
                ]
                let rules = receivers.map { NotificationRule(receiver: $0.name) }
                try await fixture.withDispatcher(receivers: receivers, rules: rules, retry: Self.fastRetry, logger: logger) { _ async throws in
                    // Applied alpha, Applied beta, Blocked alpha: three deliveries per receiver.
                    #expect(try await eventually { try fixture.store.deliveryCounts()["failed"] == 9 })
                }
                // The secrets did go out, to where they belong.
                #expect(server.requests.contains { $0.path.hasSuffix(slackSecret) })
                #expect(server.requests.contains { $0.header("Authorization") == "Bearer \(tokenSecret)" })
            }
        }
        let secrets = [slackSecret, tokenSecret, pathSecret, "RESPONSE-BODY-SECRET"]
        let messages: [String] = try fixture.values("SELECT message FROM event")
        let lastErrors: [String] = try fixture.values("SELECT last_error FROM outbox_delivery")
        #expect(Set(lastErrors) == ["HTTP 500", "connection refused"])
        #expect(messages.filter { $0.contains("could not be delivered") }.count == 9)
        let logText = lines.withLockedValue { $0 }.joined(separator: "\n")
        #expect(logText.contains("retry budget spent"))
        // Every byte of the store's files, not just the columns we thought of.
        var storeBytes = Data()
        for suffix in ["", "-wal"] {
            storeBytes.append((try? Data(contentsOf: URL(fileURLWithPath: fixture.databasePath + suffix))) ?? Data())
        }
        let storeText = String(decoding: storeBytes, as: UTF8.self)
        for secret in secrets {
            #expect(!messages.contains { $0.contains(secret) }, "event message holds \(secret)")
            #expect(!lastErrors.contains { $0.contains(secret) }, "last_error holds \(secret)")
            #expect(!logText.contains(secret), "log holds \(secret)")
            #expect(!storeText.contains(secret), "store file holds \(secret)")
        }
    }

    // MARK: Payload shapes (pure)

    @Test func aGitLabReceiverPostsToTheEncodedProjectWithItsPrivateToken() throws {
        let n = Self.notification(type: "CanaryStarted", data: [:])
        let receiver = NotificationReceiver(name: "gl", kind: .gitlab, url: "https://gitlab.example.com/api/v4", repository: "acme/prompts",
                                            token: "glpat-x")
        let request = try #require(NotificationPayload.request(for: n, to: receiver))
        #expect(request.url == "https://gitlab.example.com/api/v4/projects/acme%2Fprompts/statuses/\(n.revision!)")
        #expect(request.headers["PRIVATE-TOKEN"] == "glpat-x")
        #expect(request.headers["Idempotency-Key"] == "42")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["state"] as? String == "running")
        #expect(body["name"] as? String == "promptops/support")
        // Types without a commit state, and notifications without a revision, send nothing.
        #expect(NotificationPayload.request(for: Self.notification(type: "Superseded", data: [:]), to: receiver) == nil)
        var noRevision = n
        noRevision.revision = nil
        #expect(NotificationPayload.request(for: noRevision, to: receiver) == nil)
    }

    @Test func aSlackMessageListsLocatedErrorsAndMeasurements() throws {
        let errors: [JSONValue] = (1...12).map { i in
            .object(["location": .object(["path": .string("support/p.yaml"), "line": .int(Int64(i)), "column": .int(3)]),
                     "message": .string("bad <thing> \(i)"), "severity": .string("error")])
        }
        let blocked = Self.notification(type: "Blocked", data: ["errors": .array(errors)])
        let receiver = NotificationReceiver(name: "chat", kind: .slack, url: "https://hooks.slack.example/services/x")
        let request = try #require(NotificationPayload.request(for: blocked, to: receiver))
        let text = try Self.sectionText(request)
        #expect(text.contains("*Blocked* support"))
        #expect(text.contains("revision `0123456789ab`"))
        #expect(text.contains("support/p.yaml:1:3: bad &lt;thing&gt; 1"))
        #expect(text.contains("support/p.yaml:10:3:"))
        #expect(!text.contains("support/p.yaml:11:3:"))
        #expect(text.contains("and 2 more"))

        let rolledBack = Self.notification(type: "RolledBack", data: ["measurements": .array([
            .object(["metric": .string("judge"), "value": .double(0.42), "verdict": .string("failed")]),
            .object(["metric": .string("latency"), "value": .null, "verdict": .string("error")]),
        ])])
        let measured = try Self.sectionText(try #require(NotificationPayload.request(for: rolledBack, to: receiver)))
        #expect(measured.contains("judge: 0.42 (failed)"))
        #expect(measured.contains("latency: no value (error)"))
    }

    @Test(arguments: [
        ("support", ["support"], true), ("support", ["sup*"], true), ("support", ["s?pport"], true),
        ("support", ["market*"], false), ("marketing-eu", ["support", "marketing-*"], true), (nil, ["*"], true),
        (nil, ["support"], false), (nil, [], true), ("support", [], true), ("a", ["*a*b"], false), ("xaxb", ["*a*b"], true),
    ] as [(String?, [String], Bool)])
    func rulesMatchNamespacesByGlob(namespace: String?, globs: [String], matches: Bool) {
        var n = Self.notification(type: "SyncFailed", data: [:])
        n.namespace = namespace
        #expect(NotificationRule(receiver: "r", namespaces: globs).matches(n) == matches)
        #expect(!NotificationRule(receiver: "r", namespaces: globs, events: ["Applied"]).matches(n))
    }

    // MARK: Support

    static func notification(type: String, data: [String: JSONValue]) -> OutboxNotification {
        OutboxNotification(id: 1, eventID: 42, type: type, namespace: "support", subject: "support", revision: "0123456789abcdef0123456789abcdef01234567",
                           message: "something happened", data: .object(data), time: Date(timeIntervalSince1970: 1_795_000_000))
    }

    static func sectionText(_ request: NotificationRequest) throws -> String {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["text"] is String)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let text = try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
        return text
    }
}

/// A git repository and a store, advanced by real controller passes.
private struct Fixture: Sendable {
    let workspace: GitWorkspace
    let harness: ControllerHarness
    var store: ServingStore { harness.store }
    var databasePath: String { workspace.path("store.db") }

    init() throws {
        workspace = try GitWorkspace()
        try workspace.commit(["README.md": "prompts\n"], message: "empty")
        harness = try ControllerHarness(repo: workspace.repo.path, db: workspace.path("store.db"))
    }

    /// Commits two clean namespaces and runs a pass: Applied for alpha and beta.
    @discardableResult
    func applyTwoTeams() async throws -> String {
        let sha = try workspace.commit(Manifests.twoTeams(), message: "two teams")
        try await harness.poll()
        return sha
    }

    /// Commits a template error in alpha and runs a pass: Blocked for alpha.
    @discardableResult
    func breakAlpha() async throws -> String {
        let sha = try workspace.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "Alpha v2 {{nobody}}")],
                                       message: "broken alpha")
        try await harness.poll()
        return sha
    }

    /// Runs `body` beside a running dispatcher, then stops it (task cancelled) and waits for it.
    func withDispatcher<T: Sendable>(
        store: ServingStore? = nil, receivers: [NotificationReceiver], rules: [NotificationRule],
        retry: NotificationDispatcher.RetryPolicy = .standard, logger: Logger = .quietNotifications,
        requestTimeout: Duration = .seconds(10),
        _ body: @Sendable (NotificationDispatcher) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let dispatcher = NotificationDispatcher(store: store ?? self.store, receivers: receivers, rules: rules, httpClient: client,
                                                logger: logger, retry: retry, requestTimeout: requestTimeout)
        let task = Task { await dispatcher.run() }
        do {
            let result = try await body(dispatcher)
            task.cancel()
            await task.value
            try await client.shutdown()
            return result
        } catch {
            task.cancel()
            await task.value
            try? await client.shutdown()
            throw error
        }
    }

    func value<T: DatabaseValueConvertible>(_ sql: String) throws -> T? {
        try DatabaseQueue(path: databasePath).read { db in try T.fetchOne(db, sql: sql) }
    }

    func values<T: DatabaseValueConvertible>(_ sql: String) throws -> [T] {
        try DatabaseQueue(path: databasePath).read { db in try T.fetchAll(db, sql: sql) }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
private func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Keeps every log line, metadata included, for the test to search.
private struct CapturingLogHandler: LogHandler {
    let lines: NIOLockedValueBox<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let text = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLockedValue { $0.append(text) }
    }
}

extension Logger {
    /// Nothing below critical.
    fileprivate static var quietNotifications: Logger {
        var logger = Logger(label: "notifications")
        logger.logLevel = .critical
        return logger
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with fractional seconds.
    fileprivate static var withFraction: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
