import Testing
@testable import PromptOpsMustache

@Suite("Static analysis")
struct MustacheAnalysisTests {
    @Test("variables carry their enclosing section scopes")
    func sectionScopes() throws {
        let template = try MustacheTemplate("""
            Hi {{customer.name}}!
            {{#orders}}
            - {{id}} {{^shipped}}({{eta}}){{/shipped}}
              {{#items}}{{.}}{{/items}}
            {{/orders}}
            {{#a.b}}{{c}}{{/a.b}}
            """)
        let variables = template.analysis.variables
        #expect(variables == [
            MustacheNameReference(path: ["customer", "name"], sectionScopes: [], line: 1, column: 4),
            MustacheNameReference(path: ["orders"], sectionScopes: [], line: 2, column: 1),
            MustacheNameReference(path: ["id"], sectionScopes: [["orders"]], line: 3, column: 3),
            MustacheNameReference(path: ["shipped"], sectionScopes: [["orders"]], line: 3, column: 10),
            MustacheNameReference(path: ["eta"], sectionScopes: [["orders"]], line: 3, column: 23),
            MustacheNameReference(path: ["items"], sectionScopes: [["orders"]], line: 4, column: 3),
            MustacheNameReference(path: ["."], sectionScopes: [["orders"], ["items"]], line: 4, column: 13),
            MustacheNameReference(path: ["a", "b"], sectionScopes: [], line: 6, column: 1),
            MustacheNameReference(path: ["c"], sectionScopes: [["a", "b"]], line: 6, column: 9),
        ])
    }

    @Test("partials, dynamic names, parents and blocks are listed")
    func includes() throws {
        let template = try MustacheTemplate("""
            {{> brand_voice}}
            {{#user}}{{>*user.tone}}{{/user}}
            {{<layout}}
            ignored {{text}}
            {{$title}}T {{name}}{{/title}}
            {{$body}}{{$inner}}{{/inner}}{{/body}}
            {{/layout}}
            {{<*theme}}{{/theme}}
            {{$title}}again{{/title}}
            """)
        let analysis = template.analysis
        #expect(analysis.partials == [
            MustacheTemplateReference(name: "brand_voice", isDynamic: false, line: 1, column: 1),
            MustacheTemplateReference(name: "user.tone", isDynamic: true, line: 2, column: 10),
        ])
        #expect(analysis.parents == [
            MustacheTemplateReference(name: "layout", isDynamic: false, line: 3, column: 1),
            MustacheTemplateReference(name: "theme", isDynamic: true, line: 8, column: 1),
        ])
        #expect(analysis.blocks == ["title", "body", "inner"])
        #expect(analysis.variables.map(\.path) == [["user"], ["user", "tone"], ["name"], ["theme"]])
        #expect(analysis.variables[1].sectionScopes == [["user"]])
    }

    @Test("comments and delimiter changes do not appear; new delimiters are analysed")
    func delimiters() throws {
        let template = try MustacheTemplate("{{! {{hidden}} }}{{=<% %>=}}<%shown%> {{literal}}")
        #expect(template.analysis.variables.map(\.path) == [["shown"]])
        #expect(template.analysis.variables[0].column == 29)
    }
}
