import Foundation
import PromptOpsCore

/// Reads secrets named in the configuration. Errors say which variable or file, never a value.
public struct SecretResolver: Sendable {
    /// The environment to read (`ProcessInfo.processInfo.environment` in the command).
    public var environment: [String: String]

    /// Creates a resolver.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The secret's value: the variable, or the file without one trailing newline.
    public func value(_ ref: SecretRef) throws(SecretError) -> String {
        switch ref {
        case .env(let name):
            guard let value = environment[name], !value.isEmpty else { throw SecretError(message: "environment variable \(name) is not set or empty") }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw SecretError(message: "cannot read file \(path)") }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else { throw SecretError(message: "file \(path) is empty") }
            return text
        }
    }

    /// The secret's raw bytes (a binary keyring): the file as it is, or the variable.
    public func bytes(_ ref: SecretRef) throws(SecretError) -> [UInt8] {
        switch ref {
        case .env: return Array(try value(ref).utf8)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw SecretError(message: "cannot read file \(path)") }
            guard !data.isEmpty else { throw SecretError(message: "file \(path) is empty") }
            return Array(data)
        }
    }

    /// A path holding the secret: the file itself, or (for an environment variable) a 0600 copy
    /// written under `directory` (libgit2 takes SSH keys as files).
    public func file(_ ref: SecretRef, directory: String, name: String) throws(SecretError) -> String {
        if case .file(let path) = ref {
            guard FileManager.default.isReadableFile(atPath: path) else { throw SecretError(message: "cannot read file \(path)") }
            return path
        }
        let text = try value(ref) + "\n"
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SecretError(message: "cannot write the key from \(ref) to \(path)")
        }
        return path
    }
}

/// A secret that cannot be read; the message names where it was looked for.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, without the value.
    public var message: String
    /// Creates the error.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
