import Testing
@testable import PromptOpsMustache

@Suite("Robustness")
struct MustacheRobustnessTests {
    @Test("a self-including partial stops at the expansion cap")
    func recursivePartial() throws {
        let library = MustacheLibrary(templates: ["self": try MustacheTemplate("x{{>self}}")])
        let output = library.render("self", [:])
        #expect(output == String(repeating: "x", count: MustacheLibrary.maximumExpansionDepth + 1))
    }

    @Test("mutually recursive partials and parents terminate")
    func mutualRecursion() throws {
        let library = MustacheLibrary(templates: [
            "a": try MustacheTemplate("a{{>b}}"),
            "b": try MustacheTemplate("b{{<a}}{{$x}}{{>a}}{{/x}}{{/a}}"),
            "loop": try MustacheTemplate("{{$x}}{{<loop}}{{$x}}{{$x}}y{{/x}}{{/x}}{{/loop}}{{/x}}"),
        ])
        #expect(library.render("a", [:])?.count == MustacheLibrary.maximumExpansionDepth + 1)
        #expect(library.render("loop", [:]) != nil)
    }

    @Test("exponential fan-out stops at the step budget")
    func fanOut() throws {
        var library = MustacheLibrary(templates: [
            "twice": try MustacheTemplate("x{{>twice}}{{>twice}}"),
            "grid": try MustacheTemplate(String(repeating: "{{#n}}", count: 30) + "." + String(repeating: "{{/n}}", count: 30)),
        ])
        library.maximumRenderSteps = 100_000
        let twice = try #require(library.render("twice", [:]))
        #expect(twice.count > 1_000 && twice.count <= 100_000)
        let grid = try #require(library.render("grid", ["n": [1, 2, 3]]))
        #expect(grid.count <= 100_000)
    }

    /// Found while fuzzing: an input built after the fuzzer's slow units pointed at lookups, run
    /// through Fuzz/FuzzMustache (3.9 KB, 19 s of CPU at 200,000 steps):
    /// a 2,500-byte name looked up through 60 nested object sections, in a loop. Each lookup
    /// was one step but hashed the name once per frame, so the budget did not bound the work
    /// (about 95 s per render at the server's 2,000,000 steps). The search is now charged.
    @Test("a long name resolved through a deep context stack is charged to the step budget")
    func deepLongNameLookup() throws {
        let source = String(repeating: "{{#o}}", count: 60) + "{{#i}}{{#i}}{{" + String(repeating: "x", count: 2_500)
            + "}}{{/i}}{{/i}}" + String(repeating: "{{/o}}", count: 60)
        var library = MustacheLibrary()
        library.maximumRenderSteps = 200_000
        let data: MustacheValue = ["o": ["k": 0], "i": .array(Array(repeating: 0, count: 300))]
        let started = ContinuousClock.now
        #expect(library.renderBounded(try MustacheTemplate(source), data) == .failure(.steps))
        // Charged, the budget runs out after about a hundred lookups instead of 90,000.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// Found while fuzzing: an input built by hand and run through Fuzz/FuzzMustache (24 KB,
    /// still running after 13 s of CPU at 200,000 steps): a parent call with 2,000 block
    /// arguments in a loop registered every argument per expansion, one step in all. Registering (and searching) overrides is now charged.
    @Test("a parent call's block arguments are charged to the step budget")
    func manyBlockArguments() throws {
        let child = "{{#i}}{{#i}}{{<a}}" + String(repeating: "{{$b}}{{/b}}", count: 2_000) + "{{/a}}{{/i}}{{/i}}"
        var library = MustacheLibrary(templates: ["a": try MustacheTemplate("{{$b}}x{{/b}}")])
        library.maximumRenderSteps = 200_000
        let data: MustacheValue = ["i": .array(Array(repeating: 0, count: 100))]
        // 10,000 expansions of 2,000 arguments each: far over the budget once charged.
        #expect(library.renderBounded(try MustacheTemplate(child), data) == .failure(.steps))
    }

    @Test("a block override that refers to itself terminates")
    func recursiveBlock() throws {
        let library = MustacheLibrary(templates: [
            "parent": try MustacheTemplate("{{$a}}default{{/a}}"),
            "child": try MustacheTemplate("{{<parent}}{{$a}}[{{$a}}inner{{/a}}]{{/a}}{{/parent}}"),
        ])
        let output = try #require(library.render("child", [:]))
        #expect(output.hasPrefix("[[["))
    }

    @Test("templates nesting deeper than the limit are rejected, not overflowed")
    func deepNesting() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "{{#a}}", count: depth) + "x{{b}}" + String(repeating: "{{/a}}", count: depth)
        }
        let limit = MustacheTemplate.maximumNestingDepth
        #expect(try MustacheTemplate(nested(limit)).render(["a": true, "b": "!"]) == "x!")
        #expect(throws: MustacheParseError(
            kind: .nestingTooDeep,
            message: "sections, parents and blocks nest deeper than \(limit) levels",
            line: 1, column: 6 * limit + 1)
        ) {
            try MustacheTemplate(nested(50_000))
        }
    }

    @Test("recursion through deeply nested sections stops at the render nesting cap")
    func renderNestingCap() throws {
        let depth = MustacheTemplate.maximumNestingDepth - 1
        let source = String(repeating: "{{#a}}", count: depth) + "x{{>self}}" + String(repeating: "{{/a}}", count: depth)
        let library = MustacheLibrary(templates: ["self": try MustacheTemplate(source)])
        let output = try #require(library.render("self", ["a": true]))
        // Each level nests `depth` sections plus one partial; the x of a level renders only within the cap.
        #expect(output.count == MustacheLibrary.maximumNestingDepth / (depth + 1))
    }

    @Test("random templates either parse or throw MustacheParseError, and always render")
    func fuzz() throws {
        var generator = SplitMix64(seed: 0x5EED_1234)
        let pieces = [
            "{{", "}}", "{{{", "}}}", "{", "}", "#", "^", "/", "!", "=", ">", "<", "$", "&", "*", ".", " ", "\n", "\r\n", "\t",
            "a", "b", "a.b", "x", "é", "{{=<% %>=}}", "<%", "%>", "{{#a}}", "{{/a}}", "{{^b}}", "{{/b}}", "{{>p}}", "{{<p}}",
            "{{$a}}", "{{>*a}}", "{{.}}", "{{=", "=}}", "  ",
        ]
        let context: MustacheValue = ["a": ["a": [true, "p", 1], "b": "q"], "b": [1, 2], "x": "<&>", "p": "p"]
        var parsed = 0
        var failed = 0
        for _ in 0..<3_000 {
            var source = ""
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                source += pieces.randomElement(using: &generator)!
            }
            do {
                let template = try MustacheTemplate(source)
                parsed += 1
                var library = MustacheLibrary(templates: ["p": template, "a": template], escaping: .html)
                library.maximumRenderSteps = 20_000
                _ = library.render(template, context)
                _ = template.analysis
            } catch {
                failed += 1
                #expect(error.line >= 1 && error.column >= 1)
                #expect(error.line <= source.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count)
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 100)
        #expect(failed > 100)
    }
}

/// A small deterministic generator so the fuzz test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
