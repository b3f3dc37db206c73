import Foundation

/// Runs a child process with input on its standard input and a deadline, without blocking
/// a Swift concurrency thread: completion arrives through the termination handler.
enum ChildProcess {
    enum Outcome: Sendable {
        case exited(Int32, stderr: String)
        case timedOut
        case failedToStart(String)
    }

    /// Collects what the child writes, from the pipe's reading thread.
    private final class Collected: @unchecked Sendable {
        // Guarded by `lock`: written by the pipe's readability handler, read after termination.
        private let lock = NSLock()
        private var data = Data()
        func append(_ chunk: Data) { lock.withLock { if data.count < 64 * 1024 { data.append(chunk) } } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    static func run(executable: String, arguments: [String], input: Data, timeout: Duration) async -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let collected = Collected()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if !chunk.isEmpty { collected.append(chunk) }
        }
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { p in
            finished.continuation.yield(p.terminationStatus)
            finished.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            stderr.fileHandleForReading.readabilityHandler = nil
            return .failedToStart("\(error)")
        }
        let pid = process.processIdentifier
        let killed = Collected()
        // The deadline starts before the request is written: a child that never reads is bounded too.
        let timer = Task {
            try await Task.sleep(for: timeout)
            killed.append(Data([1]))
            kill(pid, SIGKILL)
        }
        // A child that died early makes this fail (EPIPE; SIGPIPE is ignored by the controller).
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        var status: Int32 = -1
        await withTaskCancellationHandler {
            for await code in finished.stream { status = code }
        } onCancel: {
            // Shutting down: the child goes too (its lock files are cleaned before the next fetch).
            kill(pid, SIGKILL)
        }
        timer.cancel()
        let timedOut = !killed.text.isEmpty && status != 0
        // Drain what is left in the pipe.
        stderr.fileHandleForReading.readabilityHandler = nil
        if let rest = try? stderr.fileHandleForReading.readToEnd() { collected.append(rest) }
        if timedOut { return .timedOut }
        return .exited(status, stderr: collected.text)
    }
}
