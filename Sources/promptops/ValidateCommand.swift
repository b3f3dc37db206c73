import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsCore

extension DiagnosticReport.Format: ExpressibleByArgument {}

/// `promptops validate [--format text|json|github] PATH...`
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every manifest under the paths: schema, references, templates, policies.",
        discussion: "Exit 0 when there is no error (warnings allowed), 1 when any error.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: text, json or github (workflow annotations).")
    var format: DiagnosticReport.Format = .text

    @Argument(help: "Files or folders holding manifests (*.yaml, *.yml).")
    var paths: [String]

    func run() throws {
        _ = global.logger("promptops")
        let files: [ManifestFile]
        do {
            files = try ManifestFileCollector.collect(paths)
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        let result = ManifestValidator().validate(ManifestLoader().load(files))
        print(DiagnosticReport.render(result.diagnostics, format: format), terminator: "")
        if format == .text {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            FileHandle.standardError.write(Data(
                "\(files.count) file\(files.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n".utf8))
        }
        if result.hasErrors { throw CommandExit.invalid() }
    }
}
