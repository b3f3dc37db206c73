import ArgumentParser
import Foundation
import PromptOpsCore
import PromptOpsStore

/// `promptops rollout promote|abort|retry NAME [--namespace NS] --db FILE [--actor NAME]`
struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Manual rollout overrides, audited with the operator's name.",
        subcommands: [Override.Promote.self, Override.Abort.self, Override.Retry.self])

    /// The options every override takes.
    struct Target: ParsableArguments {
        @Argument(help: "The Deployment.")
        var name: String

        @Option(help: "Its namespace.")
        var namespace: String = "default"

        @Option(help: "The serving store the controller uses.")
        var db: String

        @Option(help: "Who does it (recorded in the audit log; default: $USER).")
        var actor: String = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    /// Shared implementation: load the state, handle the command, save with an audit record.
    enum Override {
        static func run(_ command: String, _ target: Target, event: (String) -> RolloutEvent) throws {
            let store = try openStore(target.db)
            for _ in 0..<5 {
                let record: RolloutRecord?
                let row: DeploymentStatus?
                do {
                    record = try store.rollout(namespace: target.namespace, deployment: target.name)
                    row = try store.deployment(namespace: target.namespace, name: target.name)
                } catch {
                    throw CommandExit.environment("error: \(error)")
                }
                guard let row else {
                    throw CommandExit.invalid("error: no Deployment '\(target.name)' is served in namespace '\(target.namespace)'")
                }
                var machine = record?.machine ?? RolloutStateMachine(stable: .init(version: row.stable.version, hash: row.stable.hash))
                let actions = machine.handle(event(target.actor), now: Date())
                let effective = actions.filter { if case .ignored = $0 { return false }; return true }
                if effective.isEmpty {
                    let reason = actions.compactMap { action -> String? in if case .ignored(let r) = action { return r }; return nil }.first
                    throw CommandExit.invalid("error: nothing to \(command): \(reason ?? "no rollout in progress")")
                }
                do {
                    if try store.saveRollout(namespace: target.namespace, deployment: target.name, machine: machine,
                                             expectedGeneration: record?.generation, actions: effective,
                                             actor: target.actor, manual: command, now: Date()) {
                        print("\(command): \(target.namespace)/\(target.name) is \(machine.phase.rawValue)"
                              + (machine.canary.map { ", canary v\($0.version) at \(machine.canaryWeight)%" } ?? "")
                              + " (\(machine.lastTransition?.reason ?? ""))")
                        return
                    }
                } catch {
                    throw CommandExit.environment("error: \(error)")
                }
            }
            throw CommandExit.environment("error: the rollout kept changing; try again")
        }

        /// `rollout promote`: finish the current step now (a pause or an analysis) and go on.
        struct Promote: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "promote", abstract: "Finish the current step (a pause or an analysis) and go on; promote on the last step.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            func run() throws {
                _ = global.logger("promptops.rollout")
                try Override.run("promote", target) { .promote(actor: $0) }
            }
        }

        /// `rollout abort`: roll the canary back; its version is not retried automatically.
        struct Abort: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "abort", abstract: "Roll the canary back (weight 0, Degraded); its version is not retried automatically.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            func run() throws {
                _ = global.logger("promptops.rollout")
                try Override.run("abort", target) { .abort(actor: $0) }
            }
        }

        /// `rollout retry`: start the aborted version's canary again.
        struct Retry: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "retry", abstract: "Start the canary of an aborted version again.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: Target
            func run() throws {
                _ = global.logger("promptops.rollout")
                try Override.run("retry", target) { .retry(actor: $0) }
            }
        }
    }
}
