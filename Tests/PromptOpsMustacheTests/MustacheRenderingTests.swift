import Foundation
import Testing
@testable import PromptOpsMustache

@Suite("Rendering")
struct MustacheRenderingTests {
    private func render(_ source: String, _ context: MustacheValue, escaping: MustacheEscaping = .none, partials: [String: String] = [:]) throws -> String {
        var library = MustacheLibrary(escaping: escaping)
        for (name, partial) in partials { library.register(try MustacheTemplate(partial), named: name) }
        return library.render(try MustacheTemplate(source), context)
    }

    @Test("prompt mode writes values raw")
    func promptModeDoesNotEscape() throws {
        let context: MustacheValue = ["x": "<b>&\"'</b>"]
        #expect(try render("{{x}}|{{{x}}}|{{&x}}", context) == "<b>&\"'</b>|<b>&\"'</b>|<b>&\"'</b>")
        #expect(MustacheLibrary().escaping == .none)
    }

    @Test("html mode escapes double-mustache values only")
    func htmlModeEscapes() throws {
        let context: MustacheValue = ["x": "<b>&\"'</b>"]
        #expect(try render("{{x}}|{{{x}}}", context, escaping: .html) == "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;|<b>&\"'</b>")
    }

    @Test("interpolation formatting", arguments: [
        (MustacheValue.int(85), "85"),
        (.int(-1234567), "-1234567"),
        (.int(Int.min), "\(Int.min)"),
        (.int(0), "0"),
        (.double(1.21), "1.21"),
        (.double(2.0), "2.0"),
        (.bool(true), "true"),
        (.bool(false), "false"),
        (.null, ""),
        (MustacheValue.array(["a", 1, 2.5]), "a, 1, 2.5"),
        (MustacheValue.object(["k": "v"]), ""),
        (MustacheValue.string("héllo ✓"), "héllo ✓"),
    ])
    func formatting(value: MustacheValue, expected: String) throws {
        #expect(try render("{{v}}", ["v": value]) == expected)
        #expect(value.interpolationText == expected)
    }

    @Test("truthiness follows the manual: only null, false and [] are falsey", arguments: [
        (MustacheValue.null, false), (.bool(false), false), (.array([]), false),
        (.bool(true), true), (.string(""), true), (.int(0), true), (.double(0), true), (.object([:]), true), (.array([1]), true),
    ])
    func truthiness(value: MustacheValue, truthy: Bool) throws {
        #expect(value.isTruthy == truthy)
        #expect(try render("{{#v}}y{{/v}}{{^v}}n{{/v}}", ["v": value]) == (truthy ? "y" : "n"))
    }

    @Test("sections iterate arrays and fall back to outer contexts")
    func sections() throws {
        let context: MustacheValue = [
            "company": "Acme",
            "orders": [["id": "A1", "total": 10], ["id": "A2", "total": 20, "company": "Other"]],
        ]
        let source = "{{#orders}}\n- {{id}} {{total}} {{company}}\n{{/orders}}\n"
        #expect(try render(source, context) == "- A1 10 Acme\n- A2 20 Other\n")
    }

    @Test("standalone partials are indented line by line, values are not")
    func partialIndentation() throws {
        let output = try render(
            "Rules:\n  {{> rules}}\nEnd\n",
            ["name": "Nova", "note": "x\ny"],
            partials: ["rules": "Be {{name}}.\n{{note}}\nBye.\n"])
        #expect(output == "Rules:\n  Be Nova.\n  x\ny\n  Bye.\nEnd\n")
    }

    @Test("dynamic partials and parents resolve by context value")
    func dynamicNames() throws {
        let partials = ["casual": "hey {{name}}", "formal": "Dear {{name}}", "frame": "[{{$body}}default{{/body}}]"]
        #expect(try render("{{>*tone}}", ["tone": "formal", "name": "Ann"], partials: partials) == "Dear Ann")
        #expect(try render("{{>*tone}}", ["tone": "missing"], partials: partials) == "")
        #expect(try render("{{<*layout}}{{$body}}x{{/body}}{{/layout}}", ["layout": "frame"], partials: partials) == "[x]")
    }

    @Test("library renders by name and returns nil for unknown names")
    func libraryByName() throws {
        var library = MustacheLibrary(templates: ["a": try MustacheTemplate("A{{>b}}")])
        library.register(try MustacheTemplate("B"), named: "b")
        #expect(library.render("a", [:]) == "AB")
        #expect(library.render("zzz", [:]) == nil)
        #expect(library["b"]?.source == "B")
        #expect(try MustacheTemplate("solo {{>b}}").render([:]) == "solo ")
    }

    @Test("values from JSON keep bool, int and double apart")
    func jsonValues() {
        let json: [String: Any] = ["b": true, "i": 3, "d": 1.5, "s": "x", "n": NSNull(), "a": [1, "two"], "o": ["k": false]]
        let value = MustacheValue(json: json)
        #expect(value["b"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["i"] == .int(3))
        #expect(value["s"] == .string("x"))
        #expect(value["a"] == .array([.int(1), .string("two")]))
        #expect(value["o"] == .object(["k": .bool(false)]))
        #expect(value["d"] == .double(1.5))
    }

    @Test("rendering is reentrant across tasks")
    func concurrentRendering() async throws {
        let library = MustacheLibrary(templates: ["t": try MustacheTemplate("{{#items}}{{.}},{{/items}}")])
        let results = await withTaskGroup(of: String?.self) { group in
            for index in 0..<8 {
                group.addTask { library.render("t", ["items": .array((0..<index).map { .int($0) })]) }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.contains("0,1,2,"))
    }
}
