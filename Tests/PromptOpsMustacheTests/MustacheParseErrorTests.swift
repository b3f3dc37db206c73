import Testing
@testable import PromptOpsMustache

@Suite("Parse errors")
struct MustacheParseErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var source: String
        var kind: MustacheParseError.Kind
        var line: Int
        var column: Int
        var testDescription: String { source.debugDescription }
    }

    @Test("errors carry kind, line and column of the offending tag", arguments: [
        Case(source: "Hello {{x", kind: .unclosedTag, line: 1, column: 7),
        Case(source: "line one\n  two {{name\nthree", kind: .unclosedTag, line: 2, column: 7),
        Case(source: "{{{raw}}", kind: .unclosedTag, line: 1, column: 1),
        Case(source: "a\n{{#orders}}\n- {{id}}\n", kind: .unclosedSection, line: 2, column: 1),
        Case(source: "{{#a}}{{#b}}x{{/b}}", kind: .unclosedSection, line: 1, column: 1),
        Case(source: "{{#a}}\n  {{/b}}", kind: .mismatchedClose, line: 2, column: 3),
        Case(source: "x\n\n   {{/a}}", kind: .unexpectedClose, line: 3, column: 4),
        Case(source: "{{=<% =}}", kind: .invalidDelimiters, line: 1, column: 1),
        Case(source: "ok\n {{=a b c=}}", kind: .invalidDelimiters, line: 2, column: 2),
        Case(source: "{{= }}", kind: .invalidDelimiters, line: 1, column: 1),
        Case(source: "{{}}", kind: .emptyTagName, line: 1, column: 1),
        Case(source: "{{# }}{{/ }}", kind: .emptyTagName, line: 1, column: 1),
        Case(source: "{{>}}", kind: .emptyTagName, line: 1, column: 1),
        Case(source: "{{>*}}", kind: .emptyTagName, line: 1, column: 1),
        Case(source: "{{user name}}", kind: .invalidTagName, line: 1, column: 1),
        Case(source: "{{a..b}}", kind: .invalidTagName, line: 1, column: 1),
        Case(source: "éé {{x", kind: .unclosedTag, line: 1, column: 4),
        Case(source: "{{=<% %>=}}\n<%x", kind: .unclosedTag, line: 2, column: 1),
        Case(source: "{{!\ncomment\n}}\n{{#x}}", kind: .unclosedSection, line: 4, column: 1),
        Case(source: "{{<p}}{{$b}}{{/p}}", kind: .mismatchedClose, line: 1, column: 13),
    ])
    func reportsPosition(_ test: Case) {
        #expect {
            _ = try MustacheTemplate(test.source)
        } throws: { error in
            guard let error = error as? MustacheParseError else { return false }
            return error.kind == test.kind && error.line == test.line && error.column == test.column
        }
        do {
            _ = try MustacheTemplate(test.source)
        } catch {
            #expect(error.kind == test.kind, "\(error)")
            #expect(error.line == test.line, "\(error)")
            #expect(error.column == test.column, "\(error)")
            #expect(error.description.hasPrefix("\(test.line):\(test.column): "))
        }
    }

    @Test("valid edge cases parse", arguments: [
        "", "plain text", "{{.}}", "{{ a.b.c }}", "{{! anything {{ goes }}", "{{=| |=}}|x|", "{{>shared/voice}}", "{{$b}}{{/b}}",
        "{{<*layout}}{{/*layout}}", "{{<*layout}}{{/layout}}", "}} stray closers are text", "{ {x} }",
    ])
    func validTemplates(_ source: String) throws {
        _ = try MustacheTemplate(source)
    }
}
