import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `promptops controller --config FILE` as a child process (the built executable),
/// with its log captured to a file, plus small HTTP helpers against it.
final class ControllerProcess: @unchecked Sendable {
    // Only touched by the test that owns it, from one task at a time.
    let process = Process()
    let port: Int
    let logPath: String

    /// Starts the controller with `config` written to `dir/controller.yaml`; waits for /healthz.
    init(config: String, dir: String, port: Int, environment: [String: String] = [:]) throws {
        self.port = port
        let configPath = dir + "/controller.yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = dir + "/controller-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = CommandLineTests.binary
        process.arguments = ["controller", "--config", configPath, "--log-format", "json", "--log-level", "debug"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit { stop(signal: SIGKILL) }

    /// Stops it (SIGTERM by default) and waits.
    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        Self.reap(process)
    }

    /// Waits (bounded) for a signalled child; Foundation's monitor thread reaps it.
    static func reap(_ process: Process) {
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// GET path → (status, body); nil when nothing answers.
    func get(_ path: String) async -> (Int, String)? {
        await HTTP.request("http://127.0.0.1:\(port)\(path)")
    }

    /// Polls `GET path` until `check` holds for the JSON body, up to `seconds`, and once more
    /// after them (a suspended test task may wake only after the deadline: two cores, tests
    /// blocking the cooperative pool meanwhile).
    func waitForJSON(_ path: String, seconds: Double = 20, _ check: ([String: Any]) -> Bool) async -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any]?
        var more = true
        while more {
            more = Date() < deadline
            if let (status, body) = await get(path), status == 200,
               let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] {
                last = json
                if check(json) { return json }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// The `sources` entry named `name` of a status document.
    static func source(_ status: [String: Any], _ name: String) -> [String: Any]? {
        (status["sources"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }
}

/// Tiny HTTP client helpers on AsyncHTTPClient's shared client.
enum HTTP {
    static func request(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil) async -> (Int, String)? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
              let bytes = try? await response.body.collect(upTo: 8 << 20) else { return nil }
        return (Int(response.status.code), String(buffer: bytes))
    }
}

/// A TCP port nobody listens on right now (bound to 0, read, closed).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a command to completion; returns its exit status and output. Output goes through a
/// temporary file, not a pipe: a daemon started meanwhile could inherit a pipe's write end and
/// keep it open, so reading to its end would never finish.
@discardableResult
func runCommand(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-cmd-\(UUID().uuidString)").path
    FileManager.default.createFile(atPath: outPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outPath) }
    let out = FileHandle(forWritingAtPath: outPath)!
    defer { try? out.close() }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
}

/// A background helper process (sshd, a git HTTP server), killed at the end. Spawned with
/// posix_spawn, not Foundation's `Process`: sshd closes every inherited descriptor, which
/// Foundation takes for the child's exit and then blocks its process-monitor thread in
/// `wait4` on it, hanging every later `waitUntilExit` of the test process.
final class Daemon: Sendable {
    let pid: pid_t
    init(_ path: String, _ args: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard code == 0 else { throw DaemonError(code: code) }
        self.pid = pid
    }
    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    struct DaemonError: Error { var code: Int32 }
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`: tries until `seconds`
/// have passed, and once more after them (see ``ControllerProcess/waitForJSON(_:seconds:_:)``).
func waitForPort(_ port: Int, seconds: Double = 30) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    var more = true
    while more {
        more = Date() < deadline
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
        close(fd)
        if ok { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}
