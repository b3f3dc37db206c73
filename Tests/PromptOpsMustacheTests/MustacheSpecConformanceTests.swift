import Foundation
import Testing
@testable import PromptOpsMustache

/// Locates the official Mustache spec JSON files shared by the workspace.
///
/// `MUSTACHE_SPEC_DIR` wins when set; otherwise the directory is
/// `<package root>/../shared/conformance/mustache-spec`, where the package root is
/// three levels above this file. The files are read at test time and never copied
/// into the project.
enum MustacheSpecDirectory {
    /// The spec directory to read.
    static var url: URL {
        if let override = ProcessInfo.processInfo.environment["MUSTACHE_SPEC_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // PromptOpsMustacheTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        return packageRoot.appendingPathComponent("../shared/conformance/mustache-spec").standardizedFileURL
    }

    /// Whether the spec directory is present; the conformance test is skipped otherwise.
    static var exists: Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("interpolation.json").path)
    }

    /// The spec files we implement: everything except `~lambdas`.
    static let files = ["interpolation", "sections", "inverted", "partials", "comments", "delimiters", "~inheritance", "~dynamic-names"]
}

/// One case of a spec file.
struct MustacheSpecCase {
    var file: String
    var name: String
    var template: String
    var data: MustacheValue
    var partials: [String: String]
    var expected: String

    /// Loads every case of the spec files we implement.
    static func loadAll() throws -> [MustacheSpecCase] {
        var cases: [MustacheSpecCase] = []
        for file in MustacheSpecDirectory.files {
            let url = MustacheSpecDirectory.url.appendingPathComponent("\(file).json")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
            guard let root = json as? [String: Any], let tests = root["tests"] as? [[String: Any]] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            for test in tests {
                cases.append(MustacheSpecCase(
                    file: file,
                    name: test["name"] as? String ?? "?",
                    template: test["template"] as? String ?? "",
                    data: MustacheValue(json: test["data"] ?? NSNull()),
                    partials: test["partials"] as? [String: String] ?? [:],
                    expected: test["expected"] as? String ?? ""))
            }
        }
        return cases
    }

    /// Renders the case with HTML escaping and its partials; returns the output or a parse-error description.
    func render() -> String {
        do {
            var library = MustacheLibrary(escaping: .html)
            for (name, source) in partials {
                library.register(try MustacheTemplate(source), named: name)
            }
            return library.render(try MustacheTemplate(template), data)
        } catch {
            return "<parse error: \(error)>"
        }
    }
}

@Suite("Mustache spec conformance")
struct MustacheSpecConformanceTests {
    // Skipped (not failed) when ../shared/conformance/mustache-spec is absent and
    // MUSTACHE_SPEC_DIR is unset: the spec lives outside the project on purpose.
    @Test("official spec (all but ~lambdas): 184 of 184", .enabled(if: MustacheSpecDirectory.exists, "mustache spec directory not found; set MUSTACHE_SPEC_DIR"))
    func officialSpec() throws {
        let cases = try MustacheSpecCase.loadAll()
        var passed = 0
        for specCase in cases {
            let actual = specCase.render()
            if actual == specCase.expected {
                passed += 1
            } else {
                Issue.record("""
                    [\(specCase.file)] \(specCase.name)
                    template: \(specCase.template.debugDescription)
                    expected: \(specCase.expected.debugDescription)
                    actual:   \(actual.debugDescription)
                    """)
            }
        }
        print("mustache spec: \(passed)/\(cases.count) passed")
        #expect(cases.count == 184)
        #expect(passed == cases.count)
    }
}
