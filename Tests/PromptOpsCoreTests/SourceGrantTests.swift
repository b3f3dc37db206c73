import Foundation
import Testing
@testable import PromptOpsCore

/// Source grants (which namespaces a source may write) and platform Policies (which a
/// tenant can add to but never weaken).
@Suite("Source grants and platform policies")
struct SourceGrantAndPlatformPolicyTests {
    static func load(_ files: [String: String]) -> ManifestSet {
        ManifestLoader().load(files.keys.sorted().map { ManifestFile(path: $0, bytes: Array(files[$0]!.utf8)) })
    }

    static func template(_ name: String, _ namespace: String, text: String = "Hello {{who}}") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          inputs: {who: {type: string, default: world}}
          text: "\(text)"
        """
    }

    static func policy(_ name: String, _ namespace: String, enforcement: String, namespaces: String? = nil, rules: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Policy
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          enforcement: \(enforcement)
        \(namespaces.map { "  namespaces: \($0)\n" } ?? "")  rules: \(rules)
        """
    }

    @Test func aGrantKeepsItsNamespacesAndRefusesTheRestAtTheirNames() {
        let grant = SourceGrant(source: "team-a", namespaces: ["alpha", "alpha-*"], platform: false)
        let load = ManifestLoader().loadFile(ManifestFile(path: "mixed.yaml", bytes: Array((
            Self.template("one", "alpha") + "\n---\n" + Self.template("two", "alpha-eu") + "\n---\n" + Self.template("three", "beta")
                + "\n---\n" + Self.policy("wide", "alpha", enforcement: "Deny", namespaces: "[\"*\"]", rules: "{minTests: 1}")).utf8)))
        let (kept, refused) = grant.restrict(load)
        #expect(kept.objects.map(\.key.name) == ["one", "two"])
        #expect(refused.count == 2)
        #expect(refused[0].location.description == "mixed.yaml:17:18" && refused[0].message.contains("namespace 'beta', which source 'team-a' may not write"))
        #expect(refused[1].message.contains("only a source marked `platform: true`"))
        #expect(refused.allSatisfy { $0.namespace == nil }, "a refusal must block no namespace")
        #expect(SourceGrant(source: "p", namespaces: ["alpha"], platform: true).restrict(load).load.objects.map(\.key.name) == ["one", "wide"])
        #expect(SourceGrant.unrestricted("x").restrict(load).load.objects.count == 4)
    }

    static let platformDeny = policy("no-keys", "platform", enforcement: "Deny", namespaces: "[\"support*\"]",
                                     rules: "{forbiddenPatterns: [{name: api-key, regex: \"sk-[a-z0-9]{6,}\"}]}")

    /// Each way a tenant might try to lift the platform Deny.
    static let weakenings: [(String, String)] = [
        ("same rule as Warn", policy("no-keys", "support", enforcement: "Warn", rules: "{forbiddenPatterns: [{name: api-key, regex: \"sk-[a-z0-9]{6,}\"}]}")),
        ("same name, no rules", policy("no-keys", "support", enforcement: "Warn", rules: "{}")),
        ("an 'exemption' by labels", policy("exempt", "support", enforcement: "Warn", rules: "{requiredLabels: []}")),
        ("nothing", ""),
    ]

    @Test(arguments: weakenings)
    func aTenantPolicyNeverLiftsAPlatformDeny(name: String, tenantPolicy: String) {
        var files = ["support/reply.yaml": Self.template("reply", "support", text: "key sk-abcdef123 for {{who}}")]
        if !tenantPolicy.isEmpty { files["support/policy.yaml"] = tenantPolicy }
        let tenant = Self.load(files)
        let platform = Self.load(["platform/no-keys.yaml": Self.platformDeny]).policies.values.filter { $0.namespaces != nil }
        #expect(platform.count == 1)
        let result = ManifestValidator().validate(tenant, platformPolicies: platform)
        let denied = result.diagnostics.filter { $0.severity == .error && $0.message.contains("platform policy 'platform/no-keys' (Deny)") }
        #expect(denied.count == 1, "\(name): \(result.diagnostics)")
        #expect(denied.first?.namespace == "support" && denied.first?.location.path == "support/reply.yaml")
        #expect(result.failedNamespaces == ["support"])
        // Without the platform, the tenant's own Warn (if any) does not block.
        #expect(!ManifestValidator().validate(tenant).hasErrors)
    }

    @Test func aPlatformPolicyGovernsOnlyTheNamespacesItsGlobsMatchAndItsFreezeWindowsApply() throws {
        let set = Self.load([
            "platform/no-keys.yaml": Self.platformDeny,
            "platform/freeze.yaml": Self.policy("weekend", "platform", enforcement: "Deny", namespaces: "[\"*\"]",
                                                rules: "{freezeWindows: [{days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], start: \"00:00\", end: \"00:00\"}]}"),
            "support/reply.yaml": Self.template("reply", "support", text: "sk-abcdef123 {{who}}"),
            "support-eu/reply.yaml": Self.template("reply", "support-eu", text: "sk-abcdef123 {{who}}"),
            "billing/reply.yaml": Self.template("reply", "billing", text: "sk-abcdef123 {{who}}"),
        ])
        let result = ManifestValidator().validate(set)
        #expect(result.failedNamespaces == ["support", "support-eu"])
        let desired = DesiredState(set: set, validation: result)
        #expect(desired.namespaces["billing"]?.policyRules.map(\.meta.name) == ["weekend"])
        #expect(Set(desired.namespaces["support"]?.policyRules.map(\.meta.name) ?? []) == ["no-keys", "weekend"])
    }

    @Test func emptyingANamespaceWaitsForAPlatformFreezeWindow() throws {
        let freeze = Self.load(["platform/freeze.yaml": Self.policy("always", "platform", enforcement: "Deny", namespaces: "[\"team\"]",
            rules: "{freezeWindows: [{days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], start: \"00:00\", end: \"00:00\"}]}")])
            .policies.values.filter { $0.namespaces != nil }
        // The namespace is served; git no longer defines anything in it.
        let served = ServedState(namespaces: ["team": ServedNamespace(name: "team", objects: [
            "PromptTemplate": ["greet": .init(hash: "h", specJSON: "{}", path: "team/greet.yaml")]])])
        let empty = Self.load([:])
        let desired = DesiredState(set: empty, validation: ManifestValidator().validate(empty))
        let plan = Planner.plan(revision: "r", desired: desired, served: served, now: Date(), platformPolicies: freeze)
        guard case .frozen = plan.namespaces.first?.outcome else {
            Issue.record("a prune during a platform freeze must wait: \(String(describing: plan.namespaces.first?.outcome))")
            return
        }
        #expect(plan.namespaces.first?.removed.count == 1)
    }

    @Test func aCraftedNamespaceNameNeverMatchesAGlob() {
        let grant = SourceGrant(source: "a", namespaces: ["alpha*"], platform: false)
        #expect(grant.allows("alpha-eu"))
        #expect(!grant.allows("alpha\",\"beta") && !grant.allows("alpha/../beta") && !grant.allows("alpha beta"))
    }
}
