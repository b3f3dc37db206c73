import Logging
import ServiceLifecycle

/// The poll loop of every configured source, each in its own task, replaceable while the
/// controller runs: a config reload adds, removes or re-points sources here without touching
/// the others, the rollouts or the HTTP endpoint.
public actor SourceLoops {
    /// One running source.
    public struct Loop: Sendable {
        /// Its reconciler (rollouts read their targets from it).
        public let reconciler: Reconciler
        /// Wakes its loop early (webhooks, a namespace changing hands).
        public let wake: WakeSignal
        /// What the loop was started with (url, branch, path, auth, interval, timeout…): a
        /// reload that changes it starts the source afresh.
        public let settings: String
        let task: Task<Void, Never>
    }

    private var loops: [String: Loop] = [:]
    private var stopped = false

    /// Creates an empty set of loops.
    public init() {}

    /// Starts `service` as the loop of `name`; a loop already running under that name is
    /// stopped first and awaited (two loops must never fetch into one cache).
    public func start(name: String, settings: String, reconciler: Reconciler, wake: WakeSignal, service: ControllerService) async {
        await stop(name)
        guard !stopped else { return }
        let task = Task { _ = try? await service.run() }
        loops[name] = Loop(reconciler: reconciler, wake: wake, settings: settings, task: task)
    }

    /// Stops the loop of `name` (a pass in flight finishes first) and forgets it.
    public func stop(_ name: String) async {
        guard let loop = loops.removeValue(forKey: name) else { return }
        loop.task.cancel()
        await loop.task.value
    }

    /// Stops every loop (shutdown); nothing starts afterwards.
    public func stopAll() async {
        stopped = true
        for name in Array(loops.keys) { await stop(name) }
    }

    /// The loop of `name`, if it runs.
    public func loop(_ name: String) -> Loop? { loops[name] }

    /// The names of the running sources.
    public var names: Set<String> { Set(loops.keys) }

    /// Every running source's reconciler, by name order.
    public var reconcilers: [Reconciler] { loops.keys.sorted().map { loops[$0]!.reconciler } }
}

/// Runs the loops for the service group: they stop at graceful shutdown (SIGTERM/SIGINT).
public struct SourceLoopsService: Service {
    let loops: SourceLoops
    let logger: Logger

    /// Creates the service.
    public init(loops: SourceLoops, logger: Logger) {
        self.loops = loops
        self.logger = logger
    }

    /// Waits for graceful shutdown, then stops every loop.
    public func run() async throws {
        try? await gracefulShutdown()
        await loops.stopAll()
        logger.info("controller stopped")
    }
}
