import Foundation
import NIOConcurrencyHelpers

/// The `git-fetch` children, one per cache directory, each answering one request at a time.
final class FetchWorkers: Sendable {
    enum Outcome: Sendable {
        case answered(Data)
        case timedOut
        case died(Int32)
        case failedToStart(String)
    }

    private let workers = NIOLockedValueBox([String: FetchWorker]())

    /// Sends `line` to the child for `key` (started when there is none) and waits for its answer
    /// line, at most `timeout`; a child that does not answer in time, or that dies, is killed
    /// and forgotten (the next request starts a new one).
    func run(_ line: Data, key: String, executable: String, timeout: Duration) async -> Outcome {
        let worker: FetchWorker
        if let existing = workers.withLockedValue({ $0[key] }), existing.isAlive {
            worker = existing
        } else {
            do {
                worker = try FetchWorker(executable: executable)
            } catch {
                return .failedToStart("\(error)")
            }
            workers.withLockedValue { $0[key] = worker }
        }
        let outcome = await worker.ask(line, timeout: timeout)
        switch outcome {
        case .answered: break
        default:
            worker.kill()
            workers.withLockedValue { if $0[key] === worker { $0[key] = nil } }
        }
        return outcome
    }

    deinit {
        for worker in workers.withLockedValue({ Array($0.values) }) { worker.kill() }
    }
}

/// One `promptops git-fetch` child: requests on its standard input, answers on its standard
/// output, one line each.
final class FetchWorker: Sendable {
    private struct State {
        var buffer = Data()
        var waiter: CheckedContinuation<FetchWorkers.Outcome, Never>?
        var exited: Int32?
        var generation = 0
    }

    private let process: Process
    private let input: FileHandle
    private let state = NIOLockedValueBox(State())

    init(executable: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["git-fetch"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        self.process = process
        self.input = stdin.fileHandleForWriting
        let state = self.state
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            let (waiter, answer) = state.withLockedValue { s -> (CheckedContinuation<FetchWorkers.Outcome, Never>?, Data?) in
                if chunk.isEmpty { return (nil, nil) }
                s.buffer.append(chunk)
                guard let newline = s.buffer.firstIndex(of: UInt8(ascii: "\n")) else { return (nil, nil) }
                let line = s.buffer[s.buffer.startIndex..<newline]
                s.buffer = Data(s.buffer[s.buffer.index(after: newline)...])
                let w = s.waiter
                s.waiter = nil
                return (w, Data(line))
            }
            if chunk.isEmpty { handle.readabilityHandler = nil }
            if let waiter, let answer { waiter.resume(returning: .answered(answer)) }
        }
        process.terminationHandler = { p in
            let waiter = state.withLockedValue { s -> CheckedContinuation<FetchWorkers.Outcome, Never>? in
                s.exited = p.terminationStatus
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: .died(p.terminationStatus))
        }
        try process.run()
    }

    var isAlive: Bool { state.withLockedValue { $0.exited == nil } }

    /// Writes `line` and waits for the answer, at most `timeout` (or until the task is cancelled).
    func ask(_ line: Data, timeout: Duration) async -> FetchWorkers.Outcome {
        let state = self.state
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<FetchWorkers.Outcome, Never>) in
                let generation = state.withLockedValue { s -> Int? in
                    if s.exited != nil { return nil }
                    s.generation += 1
                    s.waiter = continuation
                    return s.generation
                }
                guard let generation else { return continuation.resume(returning: .died(-1)) }
                // The deadline starts before the request is written: a child that never reads is bounded too.
                Task {
                    try? await Task.sleep(for: timeout)
                    Self.expire(state, generation: generation, with: .timedOut)
                }
                // A child that died makes this fail (EPIPE; the controller ignores SIGPIPE); its
                // termination handler answers the waiter.
                try? input.write(contentsOf: line)
            }
        } onCancel: {
            // Shutting down: stop waiting; the caller kills the child.
            Self.expire(state, generation: nil, with: .died(-1))
        }
    }

    private static func expire(_ state: NIOLockedValueBox<State>, generation: Int?, with outcome: FetchWorkers.Outcome) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<FetchWorkers.Outcome, Never>? in
            guard generation == nil || s.generation == generation, let w = s.waiter else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume(returning: outcome)
    }

    /// Kills the child (SIGKILL); its lock files are the caller's to clean.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        try? input.close()
    }
}
