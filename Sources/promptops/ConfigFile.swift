import Foundation
import PromptOpsController
import PromptOpsCore

/// Reads and checks a `ControllerConfig` file: exit 3 when it cannot be read, exit 1 with
/// every problem at `path:line:col` when it is not valid.
func loadControllerConfig(_ path: String) throws -> ControllerConfig {
    guard let data = FileManager.default.contents(atPath: path) else { throw CommandExit.environment("error: cannot read \(path)") }
    switch ControllerConfigLoader().load(Array(data), path: path) {
    case .success(let config): return config
    case .failure(let problems): throw CommandExit.invalid(problems.description)
    }
}
