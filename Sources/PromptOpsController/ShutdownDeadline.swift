import Foundation
import Logging
import ServiceLifecycle

/// Bounds shutdown. The service group first asks every service to stop gracefully, then
/// cancels them; work that honours neither (a blocking call inside a library, a thread of its
/// own) would keep the process alive past what an init system waits for. Once shutdown
/// begins this starts a plain thread that ends the process after `deadline`. Ending it is
/// safe at any point: every store write is one SQLite transaction (WAL), and a git fetch runs
/// in a child process with its own cleanup.
public struct ShutdownDeadline: Service {
    let deadline: Duration
    let logger: Logger

    /// Creates the service.
    public init(deadline: Duration, logger: Logger) {
        self.deadline = deadline
        self.logger = logger
    }

    /// Waits for shutdown, then arms the deadline.
    public func run() async throws {
        try? await gracefulShutdown()
        let (deadline, logger) = (self.deadline, self.logger)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(deadline.components.seconds) + Double(deadline.components.attoseconds) / 1e18)
            logger.error("shutdown did not finish in time; exiting", metadata: ["deadline": "\(deadline)"])
            fflush(nil)  // every output stream: the last log lines reach the journal
            // _exit, not exit: other threads are still running, and atexit handlers and
            // static destructors must not run under them.
            _exit(1)
        }
    }
}
