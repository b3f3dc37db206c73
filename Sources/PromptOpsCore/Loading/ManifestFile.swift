import Foundation

/// The bytes of one manifest file and the path used in messages.
public struct ManifestFile: Sendable, Hashable {
    /// Path shown in diagnostics (relative to what the user gave, or to the repository root).
    public var path: String
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Creates a file.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Whether a repository path names a manifest: `*.yaml`/`*.yml`, no component starting
    /// with `.` or `_` (so `.git/` and `_drafts/` are skipped).
    public static func isManifestPath(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let last = components.last, last.hasSuffix(".yaml") || last.hasSuffix(".yml") else { return false }
        return !components.contains { ($0.hasPrefix(".") && $0 != "." && $0 != "..") || $0.hasPrefix("_") }
    }
}

/// Collects manifest files from the local file system.
public enum ManifestFileCollector {
    /// A path that could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        /// The path.
        public var path: String
        /// Why.
        public var reason: String
        /// `path: reason`.
        public var description: String { "\(path): \(reason)" }
    }

    /// Every manifest under `paths` (files given directly are taken whatever their name),
    /// in a stable order. Files larger than the limit are returned truncated to limit+1 bytes
    /// so the reader reports them without holding them in memory.
    public static func collect(_ paths: [String], limits: ManifestLimits = .standard) throws(ReadError) -> [ManifestFile] {
        let fm = FileManager.default
        var out: [ManifestFile] = []
        for root in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDirectory) else {
                throw ReadError(path: root, reason: "no such file or directory")
            }
            if !isDirectory.boolValue {
                out.append(try read(root, limits: limits))
                continue
            }
            guard let enumerator = fm.enumerator(atPath: root) else {
                throw ReadError(path: root, reason: "cannot list directory")
            }
            var relative: [String] = []
            while let next = enumerator.nextObject() as? String {
                let name = (next as NSString).lastPathComponent
                if name.hasPrefix(".") || name.hasPrefix("_") {
                    if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { enumerator.skipDescendants() }
                    continue
                }
                if ManifestFile.isManifestPath(next) { relative.append(next) }
            }
            for rel in relative.sorted() {
                let full = root.hasSuffix("/") ? root + rel : root + "/" + rel
                out.append(try read(full, limits: limits))
            }
        }
        return out
    }

    static func read(_ path: String, limits: ManifestLimits) throws(ReadError) -> ManifestFile {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReadError(path: path, reason: "cannot open file")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: limits.maxFileBytes + 1) ?? Data()
            return ManifestFile(path: path, bytes: [UInt8](data))
        } catch {
            throw ReadError(path: path, reason: "cannot read file: \(error)")
        }
    }
}
