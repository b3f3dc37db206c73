import ArgumentParser
import Foundation
import PromptOpsCore

/// `promptops schema [--kind K] [--output DIR]`: the JSON Schemas of the manifest API.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print or write the JSON Schema (draft 2020-12) of each manifest kind.")

    @Option(help: "One kind: PromptTemplate, Deployment, Policy or ControllerConfig (default: all, needs --output).")
    var kind: String?

    @Option(help: "Write <kind>.schema.json files into this folder instead of printing.")
    var output: String?

    func run() throws {
        let known = APISchemas.kinds + [ControllerConfigSchema.kind]
        let kinds = kind.map { [$0] } ?? known
        for k in kinds where !known.contains(k) {
            throw CommandExit.usage("error: unknown kind '\(k)'; expected one of \(known.joined(separator: ", "))")
        }
        guard let output else {
            guard kinds.count == 1 else { throw CommandExit.usage("error: give --kind to print one schema, or --output DIR to write all") }
            print(JSONSchemaWriter.schema(kind: kinds[0]), terminator: "")
            return
        }
        for k in kinds {
            let file = (output as NSString).appendingPathComponent(JSONSchemaWriter.fileName(kind: k))
            do {
                try JSONSchemaWriter.schema(kind: k).write(toFile: file, atomically: true, encoding: .utf8)
            } catch {
                throw CommandExit.environment("error: cannot write \(file): \(error)")
            }
            print("wrote \(file)")
        }
    }
}
