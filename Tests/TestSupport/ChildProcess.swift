import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Child processes for tests (git, ssh-keygen, gpg, the built `promptops`, stand-in servers),
/// spawned so that one child can never hold another's descriptors.
///
/// Why not Foundation's `Process` with pipes: tests run in parallel, and a child spawned by one
/// test inherits every descriptor of the test process that is not close-on-exec — among them
/// the write end of a pipe another test is reading to its end. A stand-in server that lives for
/// its whole test then keeps that read from ever finishing; two such reads block both threads
/// of Swift's cooperative pool on a 2-core machine, the server's own test can no longer run,
/// and the whole test process hangs (it did, in CI). So: every descriptor above 2 is closed in
/// the child (`posix_spawn_file_actions_addclosefrom_np`), output goes to files, not pipes, and
/// every wait is bounded.
public final class ChildProcess: @unchecked Sendable {
    // `status` is guarded by `lock`; the rest is immutable.
    /// The child's process id.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// A command that could not be started.
    public struct SpawnFailed: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "could not start \(path): \(String(cString: strerror(code)))" }
    }

    /// Starts `path` with `arguments`: standard input from the file given (nil: /dev/null), standard output and error
    /// appended to the files given (nil: /dev/null), in `directory` when given, with the test
    /// process's environment plus `environment`, and no other descriptor.
    public init(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                stdin: String? = nil, stdout: String? = nil, stderr: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw SpawnFailed(path: path, code: ENOSYS) }
        if let directory { guard Self.addChdir(&actions, directory) == 0 else { throw SpawnFailed(path: directory, code: ENOENT) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var pid: pid_t = 0
        let code = path.contains("/")
            ? posix_spawn(&pid, path, &actions, nil, argv, envp)
            : posix_spawnp(&pid, path, &actions, nil, argv, envp)
        guard code == 0 else { throw SpawnFailed(path: path, code: code) }
        self.pid = pid
    }

    // glibc's GNU extensions (2.34+ and 2.29+), which Swift's Glibc module does not declare
    // (they need _GNU_SOURCE): looked up once by name.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom: AddCloseFrom = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")!, to: AddCloseFrom.self)
    private static let addChdir: AddChdir = unsafeBitCast(dlsym(nil, "posix_spawn_file_actions_addchdir_np")!, to: AddChdir.self)

    /// Whether the child still runs (reaps it once it has exited).
    public var isRunning: Bool { poll() == nil }

    /// The exit status (the exit code, or 128 + the signal), nil while it runs.
    public func poll() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == -1 && errno != EINTR {
            // Not our child any more (reaped elsewhere): nothing left to wait for.
            status = 255
            return status
        }
        guard r == pid else { return nil }
        let low = raw & 0x7f
        status = low == 0 ? (raw >> 8) & 0xff : 128 + low
        return status
    }

    /// Waits for the exit, at most `seconds`; then SIGKILLs the child and waits for that.
    @discardableResult
    public func wait(seconds: Double = 300) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 1_000
        while true {
            if let status = poll() { return status }
            if Date() >= deadline { kill(pid, SIGKILL) }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Sends `signal` when the child still runs.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Runs a command to completion (at most `seconds`, then it is killed) and returns its exit
    /// status and output, read from files afterwards.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                           stdin: String? = nil, seconds: Double = 300) throws -> (status: Int32, out: String, err: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-child-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }
        let child = try ChildProcess(path, arguments, environment: environment, directory: directory, stdin: stdin, stdout: outPath, stderr: errPath)
        let status = child.wait(seconds: seconds)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (status, read(outPath), read(errPath))
    }

    /// Runs a command whose standard output and error go to one file, in order; returns the
    /// status and that output.
    public static func runMerged(_ path: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                                 seconds: Double = 300) throws -> (status: Int32, output: String) {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-child-\(UUID().uuidString)").path
        defer { unlink(outPath) }
        let child = try ChildProcess(path, arguments, environment: environment, directory: directory, stdout: outPath, stderr: outPath)
        let status = child.wait(seconds: seconds)
        return (status, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }

    deinit {
        if poll() == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        }
    }
}
