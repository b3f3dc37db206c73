import Foundation
import PromptOpsController
import PromptOpsStore
import Testing

/// A pass that touches a few objects of a namespace validates and plans only those and what
/// depends on them (``SyncReport/narrowNamespaces``), and ends where a full pass does: the
/// other objects' problems stay reported, a module's change reaches its includers and their
/// Deployments, and a name an includer reads from a module is checked again.
@Suite("Passes planned object by object")
struct NarrowPassTests {
    static let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_795_000_000) }

    /// A long-lived reconciler on one store and a fresh one (every file read) on another.
    struct Pair {
        let workspace: GitWorkspace
        let incremental: Reconciler

        init(_ workspace: GitWorkspace) throws {
            self.workspace = workspace
            incremental = Reconciler(location: RepositoryLocation(repo: workspace.repo.path, branch: "main", databasePath: workspace.path("inc.db")),
                                     store: try ServingStore(path: workspace.path("inc.db")), now: NarrowPassTests.clock)
        }

        /// Commits `files`, runs both and checks that the stores serve the same; returns the incremental pass.
        func commit(_ files: [String: String?]) async throws -> SyncReport {
            _ = try workspace.commit(files)
            let report = try await incremental.reconcile()
            let full = Reconciler(location: RepositoryLocation(repo: workspace.repo.path, branch: "main", databasePath: workspace.path("full.db")),
                                  store: try ServingStore(path: workspace.path("full.db")), now: NarrowPassTests.clock)
            _ = try await full.reconcile()
            let (left, right) = (try ServedSummary(workspace.path("inc.db")), try ServedSummary(workspace.path("full.db")))
            #expect(left == right, "incremental and full passes disagree:\n\(left.difference(from: right))")
            return report
        }

        /// The namespace's problems as the store holds them (errors, then warnings).
        func problems(_ namespace: String) throws -> String {
            try ServedSummary(workspace.path("inc.db")).rows["namespaces"]!.first { $0.hasPrefix("\"\(namespace)\"") } ?? ""
        }
    }

    static func template(_ name: String, text: String, inputs: String = "{who: {type: string, default: world}}") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: \(name), namespace: team}
        spec:
          inputs: \(inputs)
          text: "\(text)"
        """
    }

    static func deployment(_ template: String, strategy: String = "{type: Direct}") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: \(template)-prod, namespace: team}
        spec: {template: \(template), strategy: \(strategy)}
        """
    }

    @Test func anotherObjectsWarningStaysReported() async throws {
        let pair = try Pair(try GitWorkspace())
        _ = try await pair.commit([
            "team/a.yaml": Self.template("a", text: "Hi {{who}}"),
            "team/b.yaml": Self.template("b", text: "Bye {{who}}"),
            "team/deploy-a.yaml": Self.deployment("a", strategy: "{type: Direct, canary: {steps: [{setWeight: 10}]}}"),
        ])
        #expect(try pair.problems("team").contains("team/deploy-a.yaml:4:54: warning: spec.strategy.canary is ignored"))
        let report = try await pair.commit(["team/b.yaml": Self.template("b", text: "Goodbye {{who}}")])
        #expect(report.narrowNamespaces == 1)
        #expect(report.apply.namespaces.first?.versionsCreated == 1)
        #expect(try pair.problems("team").contains("team/deploy-a.yaml:4:54: warning: spec.strategy.canary is ignored"))
    }

    @Test func aModuleChangeReachesItsIncludersAndTheirDeployments() async throws {
        let pair = try Pair(try GitWorkspace())
        _ = try await pair.commit([
            "team/voice.yaml": Self.template("voice", text: "Be kind."),
            "team/a.yaml": Self.template("a", text: "Hi {{who}} {{> middle}}"),
            "team/middle.yaml": Self.template("middle", text: "and {{> voice}}"),
            "team/other.yaml": Self.template("other", text: "Other {{who}}"),
            "team/deploy-a.yaml": Self.deployment("a"),
            "team/deploy-other.yaml": Self.deployment("other"),
        ])
        let report = try await pair.commit(["team/voice.yaml": Self.template("voice", text: "Be brief.")])
        #expect(report.narrowNamespaces == 1)
        // voice, middle and a get new versions (a's effective content includes voice's); other does not.
        #expect(report.apply.namespaces.first?.versionsCreated == 3)
        #expect(report.apply.namespaces.first?.switched == 1)
    }

    @Test func aNameReadFromAModuleIsCheckedAgain() async throws {
        let pair = try Pair(try GitWorkspace())
        let withTone = "{who: {type: string, default: world}, tone: {type: string, default: warm}}"
        _ = try await pair.commit([
            "team/voice.yaml": Self.template("voice", text: "Be {{tone}}.", inputs: withTone),
            "team/a.yaml": Self.template("a", text: "Hi {{who}}, {{tone}} {{> voice}}"),
            "team/deploy-a.yaml": Self.deployment("a"),
        ])
        // voice stops declaring tone (and reading it): a still reads it, so the namespace is blocked.
        let report = try await pair.commit(["team/voice.yaml": Self.template("voice", text: "Be kind.")])
        #expect(report.narrowNamespaces == 1)
        #expect(report.failedNamespaces.map(\.name) == ["team"])
        #expect(try pair.problems("team").contains("team/a.yaml:6:"))
        #expect(try pair.problems("team").contains("'tone'"))
        // And declared again: it applies.
        let fixed = try await pair.commit(["team/voice.yaml": Self.template("voice", text: "Be {{tone}}!", inputs: withTone)])
        #expect(fixed.failedNamespaces.isEmpty)
    }

    /// A document with no name defines no object, but its error blocks the namespace it names
    /// in an incremental pass as in a full one.
    @Test func aNamelessDocumentBlocksItsNamespace() async throws {
        let pair = try Pair(try GitWorkspace())
        _ = try await pair.commit(["team/a.yaml": Self.template("a", text: "Hi {{who}}"), "team/deploy-a.yaml": Self.deployment("a")])
        let report = try await pair.commit(["team/x.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: Deployment
            metadata: {namespace: team}
            spec: {template: a, strategy: {type: Direct}}
            """])
        #expect(report.failedNamespaces.map(\.name) == ["team"])
        let fixed = try await pair.commit(["team/x.yaml": nil])
        #expect(fixed.failedNamespaces.isEmpty)
    }
}
