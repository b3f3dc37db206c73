import Foundation
import PromptOpsAnalysis
import PromptOpsController
import PromptOpsCore
import PromptOpsGit

/// A configured source with its secrets read: where to fetch, how to authenticate, and the
/// webhook secret. Failing to read a secret stops the controller before it starts, naming the
/// variable or file, never a value.
struct RuntimeSource: Sendable {
    var name: String
    var location: RepositoryLocation
    var interval: Duration
    var webhookSecret: String?
    /// What the source may write.
    var grant: SourceGrant
    /// How its commits are verified (nil: any commit applies).
    var verifier: CommitVerifier?
    /// What its loop is started with (see ``settings(_:location:)``).
    var settings: String
    /// What its analysis providers may use (nil: the one-repository command line).
    var providers: ProviderGrants? = nil

    static func resolve(_ source: ControllerConfig.Source, databasePath: String, secrets: SecretResolver) throws -> RuntimeSource {
        var location = RepositoryLocation(repo: source.url, branch: source.branch, path: source.path, databasePath: databasePath)
        location.timeout = source.timeout
        // One cache per source: two sources on one repository (other branch or path) must not
        // fetch into, or clean up after a killed fetch in, each other's cache.
        location.cacheDirectory = databasePath + ".git-cache/source-" + source.name
        do {
            switch source.auth {
            case nil:
                location.credentials = .none
            case .ssh(let key, let passphrase, let knownHosts)?:
                let keyFile = try secrets.file(key, directory: databasePath + ".keys", name: source.name)
                location.credentials = .ssh(privateKeyPath: keyFile, passphrase: try passphrase.map { try secrets.value($0) },
                                            knownHosts: try secrets.value(knownHosts))
            case .https(let username, let password, let caFile)?:
                location.credentials = .https(username: username, password: try secrets.value(password),
                                              caFile: try caFile.map { try secrets.file($0, directory: databasePath + ".keys", name: source.name + ".ca.pem") })
            }
            let webhook = try source.webhookSecret.map { try secrets.value($0) }
            let verifier = try source.verify.map { try CommitVerifiers.make($0, secrets: secrets) }
            return RuntimeSource(name: source.name, location: location, interval: source.interval, webhookSecret: webhook,
                                 grant: SourceGrant(source: source.name, namespaces: source.namespaces, platform: source.platform),
                                 verifier: verifier, settings: Self.settings(source, location: location))
        } catch {
            throw SourceSetupError(message: "source \(source.name): \(error)")
        }
    }
}

extension ControllerConfig {
    /// The provider secrets with their values read (names and namespaces as configured).
    func providerSecretEntries(_ secrets: SecretResolver) throws -> [String: ProviderSecrets.Entry] {
        var out: [String: ProviderSecrets.Entry] = [:]
        for secret in self.secrets {
            do {
                out[secret.name] = .init(value: try secrets.value(secret.value), namespaces: secret.namespaces)
            } catch {
                throw SourceSetupError(message: "secrets/\(secret.name): \(error)")
            }
        }
        return out
    }
}

struct SourceSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
