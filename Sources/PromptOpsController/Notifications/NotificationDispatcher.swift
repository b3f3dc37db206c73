import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PromptOpsStore
import ServiceLifecycle

/// Delivery outcomes since a dispatcher started (for `/metrics`).
public struct NotificationCounters: Sendable, Equatable {
    /// Notifications a receiver accepted (2xx).
    public var delivered = 0
    /// Notifications given up on after the retry budget (each also wrote a NotificationFailed event).
    public var failed = 0
    /// Failed attempts that were scheduled again.
    public var retried = 0
    /// Notifications a receiver had nothing to send for (a commit status without a revision or
    /// for a type without a state); recorded as delivered.
    public var skipped = 0

    /// All zero.
    public init() {}
}

/// Sends the notification outbox to the configured receivers, in its own task so delivery
/// never slows a reconcile pass: routes new notifications with the rules, sends what is due
/// (concurrently, each request bounded by a timeout), retries failures with capped, jittered
/// exponential backoff, and records a notification as failed once its budget is spent.
///
/// Everything it needs survives in the store, so a dispatcher started on the same store after
/// a crash or restart delivers what the previous one did not. Error texts it records or logs
/// say what went wrong ("HTTP 500", "connection refused", "timed out") and never carry a
/// receiver's URL, token or response body.
public actor NotificationDispatcher {
    /// How failed deliveries are retried.
    public struct RetryPolicy: Sendable, Equatable {
        /// Delay after the first failed attempt.
        public var base: Duration
        /// Longest delay between attempts.
        public var cap: Duration
        /// Attempts in all, the first included; after the last, the delivery is failed.
        public var maxAttempts: Int
        /// Fraction of each delay randomised away (0…1), so receivers that come back are not
        /// hit by every retry at once.
        public var jitter: Double

        /// Creates a policy.
        public init(base: Duration, cap: Duration, maxAttempts: Int, jitter: Double = 0.2) {
            self.base = base
            self.cap = cap
            self.maxAttempts = max(1, maxAttempts)
            self.jitter = min(max(jitter, 0), 1)
        }

        /// 1 s doubling up to 5 min, 12 attempts: about half an hour before giving up.
        public static let standard = RetryPolicy(base: .seconds(1), cap: .seconds(300), maxAttempts: 12)

        /// The delay after failed attempt number `attempt` (1-based).
        public func delay(afterAttempt attempt: Int) -> Duration {
            var delay = base * (1 << min(max(attempt - 1, 0), 30))
            if delay > cap { delay = cap }
            return delay * (1 - Double.random(in: 0...jitter))
        }
    }

    /// Deliveries in flight at once.
    static let maxInFlight = 8
    /// Longest sleep between passes: new notifications are found within this even without `wake()`.
    static let maxSleep: Duration = .seconds(1)
    /// Largest response body read (and dropped) so the connection can be reused.
    static let maxDrainedBytes = 64 * 1024

    private let store: ServingStore
    private let httpClient: HTTPClient
    private let logger: Logger
    private let retry: RetryPolicy
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date
    private var receivers: [String: NotificationReceiver]
    private var rules: [NotificationRule]
    private var inFlight: Set<DeliveryKey> = []
    private var counts = NotificationCounters()
    private var timer: Task<Void, Never>?
    private var started = false
    /// Wake-ups of the delivery loop; keeping only the newest coalesces a burst into one pass.
    private nonisolated let wakeups: AsyncStream<Void>
    private nonisolated let wakeup: AsyncStream<Void>.Continuation

    private struct DeliveryKey: Hashable {
        var outboxID: Int64
        var receiver: String
    }

    /// Creates a dispatcher; nothing is sent before `run()`.
    /// - Parameters:
    ///   - receivers: resolved receivers; a name seen twice keeps the first.
    ///   - rules: which notifications go to which receiver.
    ///   - httpClient: not owned: whoever created it shuts it down after `run()` returns.
    ///   - retry: the backoff and budget of failed deliveries.
    ///   - requestTimeout: bound of one request, connect to last byte.
    ///   - now: the clock for the store's times.
    public init(store: ServingStore, receivers: [NotificationReceiver], rules: [NotificationRule], httpClient: HTTPClient,
                logger: Logger, retry: RetryPolicy = .standard, requestTimeout: Duration = .seconds(10),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.httpClient = httpClient
        self.logger = logger
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.now = now
        self.receivers = Self.byName(receivers)
        self.rules = rules
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Delivers until the task is cancelled or graceful shutdown begins; deliveries in flight
    /// then are cancelled and stay pending for the next start. Runs once per dispatcher.
    public func run() async {
        guard !started else { return }
        started = true
        logger.info("notification delivery started", metadata: ["receivers": "\(receivers.keys.sorted())", "rules": "\(rules.count)"])
        wakeup.yield()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // The stream ends on cancellation of this task or at graceful shutdown.
                for await _ in wakeups {
                    if Task.isCancelled { break }
                    schedule(after: pass(into: &group))
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wakeup] in
            wakeup.finish()
        }
        timer?.cancel()
        timer = nil
        logger.info("notification delivery stopped")
    }

    /// Asks for a pass now (after a reconcile pass or rollout step wrote events).
    public nonisolated func wake() {
        wakeup.yield()
    }

    /// Replaces receivers and rules (configuration reload). Notifications already routed keep
    /// their receivers; a delivery whose receiver is gone fails through the retry budget.
    public func update(receivers: [NotificationReceiver], rules: [NotificationRule]) {
        self.receivers = Self.byName(receivers)
        self.rules = rules
        wakeup.yield()
    }

    /// Delivery outcomes so far.
    public func counters() -> NotificationCounters { counts }

    // MARK: - The loop

    /// Routes new notifications, starts the deliveries that are due, and returns how long to
    /// sleep before the next pass (a finished delivery or `wake()` cuts it short).
    private func pass(into group: inout DiscardingTaskGroup) -> Duration {
        let now = self.now()
        do {
            let rules = self.rules, known = Set(receivers.keys)
            let routeLimit = 500
            let routed = try store.routeOutbox(limit: routeLimit, now: now) { n in
                rules.filter { known.contains($0.receiver) && $0.matches(n) }.map(\.receiver)
            }
            let free = Self.maxInFlight - inFlight.count
            if free > 0 {
                // In-flight deliveries are still pending and due: ask for enough to see past them.
                var startedNow = 0
                for d in try store.dueDeliveries(now: now, limit: inFlight.count + free) where startedNow < free {
                    let key = DeliveryKey(outboxID: d.notification.id, receiver: d.receiver)
                    guard inFlight.insert(key).inserted else { continue }
                    startedNow += 1
                    group.addTask { await self.deliver(d) }
                }
            }
            if routed == routeLimit { return .zero }
            guard let next = try store.nextDeliveryTime() else { return Self.maxSleep }
            let wait = next.timeIntervalSince(now)
            // Due but in flight or waiting for a slot: a finished delivery wakes the loop.
            guard wait > 0 else { return Self.maxSleep }
            return min(Self.maxSleep, .milliseconds(Int64((wait * 1000).rounded(.up)) + 1))
        } catch {
            logger.error("notification outbox unreadable; retrying", metadata: ["error": "\(error)"])
            return Self.maxSleep
        }
    }

    /// Arranges the next pass after `delay`, replacing any earlier arrangement.
    private func schedule(after delay: Duration) {
        timer?.cancel()
        timer = nil
        guard delay > .zero else {
            wakeup.yield()
            return
        }
        timer = Task { [wakeup] in
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { wakeup.yield() }
        }
    }

    /// Sends one delivery and records its outcome; a delivery cut short by shutdown records
    /// nothing and stays pending.
    private func deliver(_ d: PendingDelivery) async {
        defer {
            inFlight.remove(DeliveryKey(outboxID: d.notification.id, receiver: d.receiver))
            wakeup.yield()
        }
        guard let receiver = receivers[d.receiver] else {
            record(d, error: "receiver \(d.receiver) is not configured", skipped: false)
            return
        }
        guard let request = NotificationPayload.request(for: d.notification, to: receiver) else {
            record(d, error: nil, skipped: true)
            return
        }
        let error = await Self.send(request, client: httpClient, timeout: requestTimeout)
        if error != nil, Task.isCancelled { return }
        record(d, error: error, skipped: false)
    }

    /// Writes an attempt's outcome: delivered, retry later, or failed for good.
    private func record(_ d: PendingDelivery, error: String?, skipped: Bool) {
        let n = d.notification, attempt = d.attempts + 1, time = self.now()
        var metadata: Logger.Metadata = [
            "receiver": "\(d.receiver)", "type": "\(n.type)", "subject": "\(n.subject)", "eventID": "\(n.eventID)", "attempt": "\(attempt)",
        ]
        do {
            guard let error else {
                try store.recordDelivery(outboxID: n.id, receiver: d.receiver, delivered: true, now: time)
                if skipped { counts.skipped += 1 } else { counts.delivered += 1 }
                logger.debug(skipped ? "notification skipped: nothing to send to this receiver" : "notification delivered", metadata: metadata)
                return
            }
            metadata["error"] = "\(error)"
            if attempt >= retry.maxAttempts {
                try store.recordDelivery(outboxID: n.id, receiver: d.receiver, delivered: false, error: error, retryAt: nil, now: time)
                counts.failed += 1
                logger.error("notification not delivered; retry budget spent", metadata: metadata)
            } else {
                let delay = retry.delay(afterAttempt: attempt)
                try store.recordDelivery(outboxID: n.id, receiver: d.receiver, delivered: false, error: error,
                                         retryAt: time.addingTimeInterval(delay.timeInterval), now: time)
                counts.retried += 1
                metadata["retryIn"] = "\(delay)"
                logger.warning("notification delivery failed; will retry", metadata: metadata)
            }
        } catch let storeError {
            metadata["storeError"] = "\(storeError)"
            logger.error("cannot record a notification delivery; it stays pending", metadata: metadata)
        }
    }

    // MARK: - HTTP

    /// Sends `request`; nil when a 2xx answered, else what went wrong in words that carry no
    /// URL, token or response body.
    static func send(_ request: NotificationRequest, client: HTTPClient, timeout: Duration) async -> String? {
        var http = HTTPClientRequest(url: request.url)
        http.method = .RAW(value: request.method)
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { http.headers.add(name: name, value: value) }
        http.body = .bytes(ByteBuffer(bytes: request.body))
        let clock = ContinuousClock(), start = clock.now
        do {
            let response = try await client.execute(http, timeout: .nanoseconds(Int64(timeout.timeInterval * 1e9)))
            // Read a little of the answer so the connection can be reused; its content is
            // never kept (a receiver may echo what it was sent).
            var drained = 0
            var head = ""
            do {
                for try await chunk in response.body {
                    if head.count < 512 { head += String(buffer: chunk).prefix(512) }
                    drained += chunk.readableBytes
                    if drained > maxDrainedBytes { break }
                }
            } catch {
                // The status already says how it went.
            }
            let status = Int(response.status.code)
            // GitLab refuses to set a commit status to the state it already has ("Cannot
            // transition status via :run from :running"): the receiver has what we meant to say.
            if status == 400, request.headers["PRIVATE-TOKEN"] != nil, head.contains("Cannot transition status") { return nil }
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return reason(error, elapsed: clock.now - start, timeout: timeout)
        }
    }

    /// A transport failure in a few words. Error descriptions can name the URL, host or port,
    /// so only their gist is kept.
    static func reason(_ error: any Error, elapsed: Duration, timeout: Duration) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .writeTimeout:
                return "timed out"
            case .invalidURL, .emptyHost, .emptyScheme:
                return "invalid URL"
            case .remoteConnectionClosed:
                return "connection closed before an answer"
            case .cancelled:
                return elapsed >= timeout ? "timed out" : "cancelled"
            default:
                break
            }
        }
        if let io = error as? IOError {
            return io.errnoCode == ECONNREFUSED ? "connection refused" : "network error (errno \(io.errnoCode))"
        }
        if elapsed >= timeout { return "timed out" }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("timed out") || text.contains("timeout") { return "timed out" }
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") { return "TLS error" }
        if text.contains("resolve") || text.contains("lookup") || text.contains("dns") { return "name resolution failed" }
        return "transport error (\(type(of: error)))"
    }

    private static func byName(_ receivers: [NotificationReceiver]) -> [String: NotificationReceiver] {
        var out: [String: NotificationReceiver] = [:]
        for r in receivers where out[r.name] == nil { out[r.name] = r }
        return out
    }
}

/// Runs in a `ServiceGroup` beside the controller: `run()` ends at graceful shutdown.
extension NotificationDispatcher: Service {}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    fileprivate var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
