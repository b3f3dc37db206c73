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

    @Option(help: "A platform repository (file or folder): its platform Policies (spec.namespaces) govern the manifests checked, as the controller applies them.")
    var platform: [String] = []

    @Option(help: "A namespace glob the repository may write, as its source's `namespaces` in the controller config (repeatable); objects elsewhere are errors.")
    var namespaces: [String] = []

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
        let platformPolicies: [Policy]
        do {
            platformPolicies = try Self.platformPolicies(platform)
        } catch let error as CommandExit {
            throw error
        } catch {
            throw CommandExit.environment("error: --platform: \(error)")
        }
        // As the controller admits a tenant's files: checked against platform Policies, the
        // repository may not define platform Policies itself, and (with --namespaces) writes
        // only its namespaces.
        let grant = SourceGrant(source: "this repository", namespaces: namespaces.isEmpty ? nil : namespaces, platform: platform.isEmpty)
        let loader = ManifestLoader()
        var refused: [Diagnostic] = []
        let loads = loader.loadFiles(files).map { load in
            let (kept, out) = grant.restrict(load)
            refused += out
            return kept
        }
        var result = ManifestValidator().validate(loader.assemble(loads), platformPolicies: platformPolicies)
        result.diagnostics = (result.diagnostics + refused).sortedByLocation()
        print(DiagnosticReport.render(result.diagnostics, format: format), terminator: "")
        if format == .text {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            FileHandle.standardError.write(Data(
                "\(files.count) file\(files.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n".utf8))
        }
        if result.hasErrors { throw CommandExit.invalid() }
    }

    /// The platform Policies under `paths`; a platform repository with errors is refused,
    /// since its verdict would not be the controller's.
    static func platformPolicies(_ paths: [String]) throws -> [Policy] {
        guard !paths.isEmpty else { return [] }
        let set = ManifestLoader().load(try ManifestFileCollector.collect(paths))
        let problems = ManifestValidator().validate(set).diagnostics.filter { $0.severity == .error }
        if !problems.isEmpty {
            throw CommandExit.environment("error: --platform \(paths.joined(separator: " ")) has errors, fix them first:\n"
                                          + problems.map(\.description).joined(separator: "\n"))
        }
        return set.policies.values.filter { $0.namespaces != nil }.sorted { $0.key < $1.key }
    }
}
