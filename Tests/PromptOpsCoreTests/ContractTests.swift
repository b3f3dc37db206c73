import Testing
@testable import PromptOpsCore

@Suite("Typed input contract at render time")
struct ContractTests {
    static let inputs = """
    {name: {type: string, required: true, maxLength: 5}, tone: {type: string, enum: [friendly, formal], default: friendly},
     count: {type: integer, minimum: 1}, items: {type: array, items: {type: object, properties: {id: {type: string, required: true}}}},
     flag: {type: boolean}}
    """

    var compiled: CompiledNamespace {
        validate(["t.yaml": textTemplate("t", text: "\"{{name}}/{{tone}}/{{count}}/{{#items}}{{id}},{{/items}}/{{#flag}}on{{/flag}}\"", inputs: Self.inputs)])
            .namespaces["default"]!
    }

    func violations(_ values: [String: TemplateValue]) -> [String] {
        guard case .failure(.contract(let error)) = compiled.render("t", values: values) else { return [] }
        return error.violations.map(\.description)
    }

    @Test func rendersWithDefaults() {
        let out = compiled.render("t", values: ["name": "Ana", "count": 2, "items": [["id": "a"], ["id": "b"]], "flag": true])
        #expect(out == .success(.text("Ana/friendly/2/a,b,/on")))
    }

    @Test func missingRequiredNamesTheInput() {
        #expect(violations([:]) == ["input 'name': is required but has no value (expected a string)"])
    }

    @Test func wrongTypeNamesTheInput() {
        #expect(violations(["name": "Ana", "count": "two"]) == ["input 'count': expected an integer, got a string"])
        #expect(violations(["name": "Ana", "items": [["id": 3]]]) == ["input 'items[0].id': expected a string, got an integer"])
    }

    @Test func valueOutsideEnumIsRefused() {
        #expect(violations(["name": "Ana", "tone": "angry"]) == ["input 'tone': value 'angry' is not one of the allowed values: 'friendly', 'formal'"])
    }

    @Test func undeclaredVariableIsRefused() {
        #expect(violations(["name": "Ana", "secret": "x"]) == ["input 'secret': is not a declared input of this template (declared: count, flag, items, name, tone)"])
    }

    @Test func boundsAreChecked() {
        #expect(violations(["name": "Anastasia", "count": 0]) == [
            "input 'count': 0 is below the minimum 1.0",
            "input 'name': is 9 characters long; at most 5 allowed",
        ])
    }

    @Test func promptModeDoesNotEscape() {
        let c = validate(["t.yaml": textTemplate("t", text: "\"{{x}}|{{{x}}}\"", inputs: "{x: {type: string}}")]).namespaces["default"]!
        #expect(c.render("t", values: ["x": "<b>&\"'"]) == .success(.text("<b>&\"'|<b>&\"'")))
    }

    @Test func cliVarsAreTypedByTheContract() throws {
        let inputs = compiled.effectiveContract(of: "t").inputs
        #expect(try InputValueParser.parse("count=3", inputs: inputs).1 == .int(3))
        #expect(try InputValueParser.parse("flag=true", inputs: inputs).1 == .bool(true))
        #expect(try InputValueParser.parse("items=[{\"id\":\"a\"}]", inputs: inputs).1 == .array([.object(["id": "a"])]))
        #expect(throws: InputValueParser.ParseError.self) { try InputValueParser.parse("count=many", inputs: inputs) }
    }
}
