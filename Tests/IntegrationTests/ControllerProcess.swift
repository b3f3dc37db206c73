import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
import PromptOpsTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `promptops controller --config FILE` as a child process (the built executable),
/// with its log captured to a file, plus small HTTP helpers against it.
final class ControllerProcess: @unchecked Sendable {
    // Only touched by the test that owns it, from one task at a time.
    let process: ChildProcess
    let port: Int
    let logPath: String

    /// Starts the controller with `config` written to `dir/controller.yaml`; waits for /healthz.
    init(config: String, dir: String, port: Int, environment: [String: String] = [:]) throws {
        self.port = port
        let configPath = dir + "/controller.yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = dir + "/controller-\(UUID().uuidString.prefix(8)).log"
        process = try ChildProcess(CommandLineTests.binary.path,
                                   ["controller", "--config", configPath, "--log-format", "json", "--log-level", "debug"],
                                   environment: environment, stdout: logPath, stderr: logPath)
    }

    deinit { stop(signal: SIGKILL) }

    /// The controller's process id.
    var pid: pid_t { process.pid }

    /// Stops it (SIGTERM by default) and waits, at most 15 s before a SIGKILL.
    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.pid, signal)
        process.wait(seconds: 15)
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

/// Runs a command to completion (``ChildProcess``: no inherited descriptors, output through a
/// file, killed after 5 minutes); returns its exit status and output.
@discardableResult
func runCommand(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
    try ChildProcess.runMerged(path, args, environment: environment)
}

/// A background helper process (sshd, a git HTTP server, a stand-in service), killed when the
/// value goes away. Its output goes to /dev/null and it inherits no descriptor of the test
/// process (see ``ChildProcess``).
final class Daemon: Sendable {
    private let child: ChildProcess
    var pid: pid_t { child.pid }
    init(_ path: String, _ args: [String]) throws {
        child = try ChildProcess(path, args)
    }
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
