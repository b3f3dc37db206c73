@testable import PromptOpsCore
import Testing

/// Located YAML trees packed into bytes and read back: equal trees, every position kept.
@Suite("Packed located values")
struct PackedLocatedValueTests {
    /// A random tree: every content kind and scalar style, large and negative numbers,
    /// non-ASCII strings, two paths.
    static func tree(_ random: inout some RandomNumberGenerator, depth: Int = 0) -> LocatedValue {
        let paths = ["team/a.yaml", "other/ü b.yaml"]
        func at() -> PromptOpsCore.SourceLocation {
            PromptOpsCore.SourceLocation(path: paths[Int.random(in: 0..<4, using: &random) == 0 ? 1 : 0],
                           line: [1, 100_000, Int.max, Int.min, -1].randomElement(using: &random)!,
                           column: Int.random(in: -5...300, using: &random))
        }
        let styles: [LocatedValue.ScalarStyle] = [.plain, .quoted, .notScalar, .block(contentColumn: Int.random(in: 1...40, using: &random))]
        let style = styles.randomElement(using: &random)!
        switch Int.random(in: 0..<(depth < 4 ? 9 : 7), using: &random) {
        case 0: return LocatedValue(.null, at: at(), style: style)
        case 1: return LocatedValue(.bool(Bool.random(using: &random)), at: at(), style: style)
        case 2: return LocatedValue(.int([0, -1, 1, Int.max, Int.min, 127, 128, -300].randomElement(using: &random)!), at: at(), style: style)
        case 3: return LocatedValue(.double([0.5, -0.0, 1e300, -2.25, .infinity, -.infinity, .nan, .leastNonzeroMagnitude].randomElement(using: &random)!), at: at(), style: style)
        case 4, 5, 6:
            let text = ["", "x", "héllo wörld", "{{name}}\nline two", String(repeating: "long ", count: 60)].randomElement(using: &random)!
            return LocatedValue(.string(text), at: at(), style: style)
        case 7:
            return LocatedValue(.array((0..<Int.random(in: 0...4, using: &random)).map { _ in tree(&random, depth: depth + 1) }), at: at(), style: style)
        default:
            let members = (0..<Int.random(in: 0...5, using: &random)).map { i in
                LocatedValue.Member(key: ["k\(i)", "ключ\(i)", ""][i % 3], keyLocation: at(), value: tree(&random, depth: depth + 1))
            }
            return LocatedValue(.object(members), at: at(), style: style)
        }
    }

    /// Equal, doubles compared bit for bit (`==` takes -0.0 for 0.0 and NaN for nothing).
    static func same(_ a: LocatedValue, _ b: LocatedValue) -> Bool {
        guard a.location == b.location, a.scalarStyle == b.scalarStyle else { return false }
        switch (a.content, b.content) {
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.keyLocation == $1.keyLocation && same($0.value, $1.value) }
        default: return a.content == b.content
        }
    }

    @Test("random trees read back the same, bit for bit")
    func roundTrip() {
        var random = LinearRegexSeededGenerator(seed: 0x9ACC)
        for _ in 0..<2000 {
            let tree = Self.tree(&random)
            #expect(Self.same(PackedLocatedValue(tree).value, tree))
        }
    }

    /// The tree one line further down.
    static func shifted(_ v: LocatedValue) -> LocatedValue {
        var out = v
        out.location.line += 1
        switch v.content {
        case .array(let items): out.content = .array(items.map(shifted))
        case .object(let members):
            out.content = .object(members.map { LocatedValue.Member(key: $0.key, keyLocation: $0.keyLocation, value: shifted($0.value)) })
        default: break
        }
        return out
    }

    @Test("a Deployment read from YAML keeps its document exactly, in far fewer bytes")
    func deploymentDocument() throws {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: reply-prod, namespace: support, labels: {team: support}}
        spec:
          template: reply
          environment: production
          strategy:
            type: Canary
            canary:
              steps:
                - setWeight: 10
                - pause: {duration: 5m}
                - analysis: {}
          analysis:
            metrics:
              - name: quality
                min: 0.8
                provider: {web: {url: "http://127.0.0.1:1/q", jsonPath: "$.v"}}
        """
        let (documents, problems) = YAMLDocumentReader().read(Array(yaml.utf8), path: "support/reply.yaml")
        #expect(problems.isEmpty)
        let document = try #require(documents.first)
        let deployment = ManifestDecoder.deployment(document)
        #expect(deployment.document == document)
        // Equality sees the document: the same Deployment at another position differs.
        var moved = deployment
        moved.document = PackedLocatedValueTests.shifted(document)
        #expect(deployment == ManifestDecoder.deployment(document) && moved != deployment)
        #expect(deployment.document.at("spec", "strategy", "canary", "steps")?.array?[1].location.description == "support/reply.yaml:12:11")
        // About 16 bytes per node and member, with the text: the tree takes over a hundred
        // bytes for each (a boxed node, a location with its path, a member array entry).
        func nodes(_ v: LocatedValue) -> Int { 1 + (v.array ?? []).map(nodes).reduce(0, +) + (v.members ?? []).map { 1 + nodes($0.value) }.reduce(0, +) }
        #expect(nodes(document) > 40 && PackedLocatedValue(document).byteCount < nodes(document) * 16)
    }
}
