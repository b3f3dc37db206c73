import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsCore

/// `promptops render PATH --template NAME [--namespace NS] [--var k=v]... [--vars-file F] [--format text|json]`
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render one template from the manifests under PATH, strict input contract applied.")

    /// Output formats of `render`.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A file or folder holding manifests.")
    var path: String

    @Option(help: "The PromptTemplate to render.")
    var template: String

    @Option(help: "Its namespace.")
    var namespace: String = "default"

    @Option(name: .customLong("var"), help: "An input value, name=value (repeatable); arrays and objects as JSON.")
    var vars: [String] = []

    @Option(help: "A JSON or YAML file with a mapping of input values (--var wins).")
    var varsFile: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        _ = global.logger("promptops")
        let compiled = try TemplateLookup.compiled(path: path, namespace: namespace, template: template)
        var values: [String: TemplateValue] = [:]
        let inputs = compiled.effectiveContract(of: template).inputs
        do {
            if let varsFile { values = try InputValueParser.readVarsFile(varsFile) }
            for assignment in vars {
                let (name, value) = try InputValueParser.parse(assignment, inputs: inputs)
                values[name] = value
            }
        } catch {
            throw CommandExit.invalid("error: \(error)")
        }
        switch compiled.render(template, values: values) {
        case .failure(let error):
            throw CommandExit.invalid("error: \(template): \(error)")
        case .success(let rendered):
            print(RenderOutput.format(rendered, as: format), terminator: "")
        }
    }
}

/// Text and JSON forms of a rendered prompt.
enum RenderOutput {
    static func format(_ rendered: RenderedPrompt, as format: RenderCommand.Format) -> String {
        switch (rendered, format) {
        case (.text(let text), .text):
            return text.hasSuffix("\n") ? text : text + "\n"
        case (.messages(let messages), .text):
            return messages.map { "--- \($0.role) ---\n\($0.content)\($0.content.hasSuffix("\n") ? "" : "\n")" }.joined()
        case (.text(let text), .json):
            return json(["text": text])
        case (.messages(let messages), .json):
            return json(["messages": messages.map { ["role": $0.role, "content": $0.content] }])
        }
    }

    static func json(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
