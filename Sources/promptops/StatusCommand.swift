import ArgumentParser
import AsyncHTTPClient
import Foundation
import PromptOpsAnalysis
import PromptOpsStore

/// `promptops status [--db FILE | --server URL | --config FILE] [--format text|json]`
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Sync state per namespace and every Deployment's phase, weights and versions.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var global: GlobalOptions

    @Option(help: "Read the serving store directly.")
    var db: String?

    @Option(help: "Ask a running controller instead (e.g. http://127.0.0.1:8080); a bearer token is read from PROMPTOPS_TOKEN.")
    var server: String?

    @Option(help: "Read the store named by a ControllerConfig file (store.path).")
    var config: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        if [db, server, config].compactMap({ $0 }).count != 1 { throw ValidationError("give exactly one of --db, --server or --config") }
    }

    func run() async throws {
        _ = global.logger("promptops.status")
        let view: StatusView
        var db = self.db
        if let config {
            guard let path = try loadControllerConfig(config).storePath else { throw CommandExit.invalid("error: \(config) has no store.path") }
            db = path
        }
        if let db {
            let store = try openStore(db)
            do {
                view = StatusView(status: try store.status(), deployments: try store.deployments())
            } catch {
                throw CommandExit.environment("error: \(error)")
            }
        } else {
            view = try await StatusView.fetch(from: server!)
        }
        switch format {
        case .json: print(try view.json())
        case .text: print(view.text(), terminator: "")
        }
    }
}

/// What `status` shows, from the store or from a controller's HTTP endpoint.
struct StatusView: Codable {
    var status: SyncStatus
    var deployments: [DeploymentStatus]

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Largest answer read from the controller (a status of every namespace and Deployment).
    static let maxAnswerBytes = 64 << 20

    static func fetch(from base: String) async throws -> StatusView {
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let parsed = URL(string: root), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw CommandExit.usage("error: bad --server URL \(base) (expected http://HOST:PORT)")
        }
        // From the environment, never a flag: a flag's value shows in `ps`.
        var authorization: String?
        if let token = ProcessInfo.processInfo.environment["PROMPTOPS_TOKEN"], !token.isEmpty {
            // A header cannot carry control bytes (a token file saved with CRLF ends in \r),
            // and the client's error would quote the whole header: refuse here.
            guard !token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw CommandExit.usage("error: $PROMPTOPS_TOKEN holds a control character (a line ending?); set it to the token alone")
            }
            authorization = "Bearer \(token)"
        }
        // AsyncHTTPClient, not URLSession: FoundationNetworking would link libcurl and its
        // two dozen libraries into every start of the binary (hack/bench/sync measures it).
        // No redirect is followed: the token is for this server only.
        let client = MetricRunner.makeHTTPClient()
        do {
            let view = try await fetch(root: root, authorization: authorization, client: client)
            try? await client.shutdown()
            return view
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func fetch(root: String, authorization: String?, client: HTTPClient) async throws -> StatusView {
        func get<T: Decodable>(_ path: String, as: T.Type) async throws -> T {
            let url = root + path
            do {
                var request = HTTPClientRequest(url: url)
                if let authorization { request.headers.add(name: "Authorization", value: authorization) }
                let response = try await client.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: maxAnswerBytes)
                let data = Data(body.readableBytesView)
                guard response.status.code == 200 else {
                    // The API's JSON error (code and message); a long body only in part.
                    let text = String(decoding: data.prefix(1024), as: UTF8.self) + (data.count > 1024 ? "…" : "")
                    throw CommandExit.environment("error: \(url) answered \(response.status.code): \(text)")
                }
                return try decoder.decode(T.self, from: data)
            } catch let exit as CommandExit {
                throw exit
            } catch {
                throw CommandExit.environment("error: cannot read \(url): \(error)")
            }
        }
        let status = try await get("/api/v1/status", as: SyncStatus.self)
        var deployments: [DeploymentStatus] = []
        for ns in status.namespaces {
            deployments += try await get("/api/v1/namespaces/\(ns.name)/deployments", as: DeploymentList.self).items
        }
        return StatusView(status: status, deployments: deployments)
    }

    func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    func text() -> String {
        let iso = ISO8601DateFormatter()
        func short(_ s: String?) -> String { s.map { String($0.prefix(12)) } ?? "-" }
        var out = "revision \(short(status.revision)) on branch \(status.branch ?? "-"), last sync \(status.lastSyncTime.map(iso.string(from:)) ?? "never")\n"
        if let error = status.lastError { out += "last sync error: \(error)\n" }
        func forcePush(_ push: ForcePush) -> String {
            "force-pushed at \(iso.string(from: push.time)): \(short(push.from)) → \(short(push.to)) (history rewritten; the new head was applied)"
        }
        if status.sources.isEmpty, let push = status.lastForcePush { out += "last \(forcePush(push))\n" }
        for source in status.sources {
            if let error = source.lastError { out += "source \(source.name): \(error)\n" }
            for e in source.errors { out += "source \(source.name): \(e)\n" }
            if let push = source.lastForcePush { out += "source \(source.name): last \(forcePush(push))\n" }
        }
        out += "\n" + Table.render([["NAMESPACE", "APPLIED", "ATTEMPTED", "STATE"]] + status.namespaces.map { ns in
            let state: String
            if !ns.errors.isEmpty { state = "blocked (\(ns.errors.count) error\(ns.errors.count == 1 ? "" : "s"))" }
            else if let policy = ns.frozenBy { state = "frozen by \(policy) until \(ns.frozenUntil.map(iso.string(from:)) ?? "?")" }
            else { state = "synced" }
            return [ns.name, short(ns.lastAppliedRevision), short(ns.lastAttemptedRevision), state]
        })
        for ns in status.namespaces {
            for e in ns.errors { out += "  \(e)\n" }
            for w in ns.warnings { out += "  \(w)\n" }
        }
        if !deployments.isEmpty {
            out += "\n" + Table.render([["DEPLOYMENT", "TEMPLATE", "STRATEGY", "PHASE", "STABLE", "CANARY"]] + deployments.map { d in
                let canary = d.canary.map { "v\($0.version) at \($0.weight)%" + ($0.step.map { " (step \($0))" } ?? "") } ?? "-"
                return ["\(d.namespace)/\(d.name)", d.template, d.strategy, d.phase, "v\(d.stable.version) \(d.stable.hash.prefix(8))", canary]
            })
        }
        return out
    }
}

/// `{"items": [...]}` or a bare array of deployments.
struct DeploymentList: Decodable {
    var items: [DeploymentStatus]

    init(from decoder: any Decoder) throws {
        if let array = try? [DeploymentStatus](from: decoder) {
            items = array
        } else {
            enum Keys: String, CodingKey { case items, deployments }
            let c = try decoder.container(keyedBy: Keys.self)
            items = try c.decodeIfPresent([DeploymentStatus].self, forKey: .items) ?? c.decode([DeploymentStatus].self, forKey: .deployments)
        }
    }
}

/// Left-aligned text columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0..<first.count).map { i in rows.map { $0.count > i ? $0[i].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
