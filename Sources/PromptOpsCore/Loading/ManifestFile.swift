import Foundation

/// The bytes of one manifest file and the path used in messages.
public struct ManifestFile: Sendable, Hashable {
    /// Path shown in diagnostics (relative to what the user gave, or to the repository root).
    public var path: String
    /// The raw bytes (empty when ``unread`` is set).
    public var bytes: [UInt8]
    /// Why the path was not read (a symlink, a submodule, a file over the size limit); nil for
    /// a file whose bytes are here. The loader turns it into a diagnostic at the path.
    public var unread: Unread?

    /// Why a path was not read as a manifest. Nothing behind it is ever read: a link's target
    /// may be anywhere (outside the repository too), a submodule is another repository, and a
    /// file over the limit is only measured.
    public enum Unread: Sendable, Hashable {
        /// A symbolic link: never followed.
        case symlink
        /// A git submodule (gitlink entry).
        case submodule
        /// A file of `bytes` bytes, over ``ManifestLimits/maxFileBytes``.
        case tooLarge(bytes: Int)
    }

    /// Creates a file.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Creates a path that was not read.
    public init(path: String, unread: Unread) {
        self.path = path
        self.bytes = []
        self.unread = unread
    }

    /// Whether a repository path names a manifest: `*.yaml`/`*.yml`, no component starting
    /// with `.` or `_` (so `.git/` and `_drafts/` are skipped).
    public static func isManifestPath(_ path: String) -> Bool {
        guard let last = path.split(separator: "/").last, last.hasSuffix(".yaml") || last.hasSuffix(".yml") else { return false }
        return isVisiblePath(path)
    }

    /// Whether a repository path lies where manifests are read (no component starting with `.`
    /// or `_`), whatever its name: a symlink or submodule there is reported, one under
    /// `_vendor/` is not.
    public static func isVisiblePath(_ path: String) -> Bool {
        !path.split(separator: "/").contains { ($0.hasPrefix(".") && $0 != "." && $0 != "..") || $0.hasPrefix("_") }
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
    /// in a stable order. Symbolic links are never followed, whether given or found below a
    /// folder, to a file or a folder, inside or outside: each is returned unread (a warning).
    /// Sizes are checked before reading: a file over the limit is returned unread with its
    /// size (an error), so it is never held in memory.
    public static func collect(_ paths: [String], limits: ManifestLimits = .standard) throws(ReadError) -> [ManifestFile] {
        let fm = FileManager.default
        var out: [ManifestFile] = []
        for root in paths {
            guard let entry = EntryType(path: root) else {
                throw ReadError(path: root, reason: "no such file or directory")
            }
            switch entry {
            case .symlink:
                out.append(ManifestFile(path: root, unread: .symlink))
                continue
            case .file(let size):
                out.append(try read(root, size: size, limits: limits))
                continue
            case .directory:
                break
            case .other:
                throw ReadError(path: root, reason: "not a regular file or directory")
            }
            guard let enumerator = fm.enumerator(atPath: root) else {
                throw ReadError(path: root, reason: "cannot list directory")
            }
            var found: [(relative: String, entry: EntryType)] = []
            while let next = enumerator.nextObject() as? String {
                let name = (next as NSString).lastPathComponent
                let full = root.hasSuffix("/") ? root + next : root + "/" + next
                // lstat, not the enumerator's view: what counts is the entry itself, never a target.
                let entry = EntryType(path: full)
                if name.hasPrefix(".") || name.hasPrefix("_") {
                    if case .directory = entry { enumerator.skipDescendants() }
                    continue
                }
                switch entry {
                case .directory: continue
                case .symlink:
                    // A link to a folder is not descended into: the enumerator does not follow
                    // links, and this is the only report of it.
                    enumerator.skipDescendants()
                    found.append((next, .symlink))
                case .file(let size) where ManifestFile.isManifestPath(next):
                    found.append((next, .file(size: size)))
                default: continue
                }
            }
            for (rel, entry) in found.sorted(by: { $0.relative < $1.relative }) {
                let full = root.hasSuffix("/") ? root + rel : root + "/" + rel
                if case .file(let size) = entry {
                    out.append(try read(full, size: size, limits: limits))
                } else {
                    out.append(ManifestFile(path: full, unread: .symlink))
                }
            }
        }
        return out
    }

    /// What a path is, from `lstat` (links are not followed); nil when nothing is there.
    enum EntryType {
        case file(size: Int)
        case directory
        case symlink
        case other

        init?(path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            switch info.st_mode & S_IFMT {
            case S_IFREG: self = .file(size: Int(info.st_size))
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symlink
            default: self = .other
            }
        }
    }

    /// Reads a regular file of `size` bytes (by `lstat`), or returns it unread when over the
    /// limit. The read is bounded too, in case the file grew since.
    static func read(_ path: String, size: Int, limits: ManifestLimits) throws(ReadError) -> ManifestFile {
        if size > limits.maxFileBytes { return ManifestFile(path: path, unread: .tooLarge(bytes: size)) }
        // O_NOFOLLOW: a link swapped in after the lstat is refused, not followed.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { return ManifestFile(path: path, unread: .symlink) }
            throw ReadError(path: path, reason: "cannot open file")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            let data = try handle.read(upToCount: limits.maxFileBytes + 1) ?? Data()
            if data.count > limits.maxFileBytes { return ManifestFile(path: path, unread: .tooLarge(bytes: data.count)) }
            return ManifestFile(path: path, bytes: [UInt8](data))
        } catch {
            throw ReadError(path: path, reason: "cannot read file: \(error)")
        }
    }
}
