import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private, verification-only GnuPG home directory (mode 0700), removed when released.
///
/// gpg keeps its keyring in a home directory, so trusting "exactly the keys in this file"
/// means giving gpg a home that holds nothing else: not the user's `~/.gnupg`, not another
/// verifier's keys.
final class GnuPGHome: Sendable {
    /// Absolute path of the directory.
    let path: String

    /// Options every gpg run in this home reads. Each one closes a way in which the result
    /// could depend on something other than the keyring file we were given.
    private static let gpgConf = """
        # Written by PromptOps: a verification-only home; deleted when the verifier goes.
        # Verifying and importing public keys need no gpg-agent, so never start one
        # (nothing would be left running when the home is deleted).
        no-autostart
        # Trust is "present in this keyring"; nothing here is ultimately trusted, so the pgp
        # model would rebuild trustdb.gpg on every verify (a write, racing concurrent verifies).
        trust-model always
        # An unknown signer must stay unknown: never fetch keys, never import a key that a
        # signature carries inside itself (that would let any signer vouch for itself).
        no-auto-key-retrieve
        no-auto-key-import

        """

    /// Creates the directory under a short temporary base and writes its gpg.conf.
    init() throws {
        var template = Array("\(Self.shortTemporaryBase())/pgpv.XXXXXX".utf8CString)
        // mkdtemp creates the directory with mode 0700 and an unguessable name.
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw OpenPGPKeyringError.homeUnavailable(String(cString: strerror(errno)))
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            let conf = URL(fileURLWithPath: path).appendingPathComponent("gpg.conf")
            try Data(Self.gpgConf.utf8).write(to: conf)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: conf.path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw OpenPGPKeyringError.homeUnavailable("writing gpg.conf: \(error)")
        }
    }

    deinit {
        stopDaemonsIfAny()
        // GPGME reports an operation done when gpg's status output ends, and gpg may still be
        // exiting then, deleting its lock files; a daemon told to stop deletes its sockets
        // after gpgconf returns. A removal racing either fails on a vanished or new entry, so
        // retry briefly (up to a second; the first attempt nearly always succeeds).
        for _ in 0..<40 {
            try? FileManager.default.removeItem(atPath: path)
            if !FileManager.default.fileExists(atPath: path) { break }
            usleep(25_000)
        }
    }

    /// `$TMPDIR` when it is short, else `/tmp`: gpg puts its sockets in the home when
    /// `/run/user/UID` is missing, and a socket path must fit in 108 bytes.
    private static func shortTemporaryBase() -> String {
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"], !tmp.isEmpty, tmp.utf8.count <= 48 {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: tmp, isDirectory: &isDirectory), isDirectory.boolValue {
                return tmp.hasSuffix("/") && tmp.count > 1 ? String(tmp.dropLast()) : tmp
            }
        }
        return "/tmp"
    }

    /// gpg.conf says `no-autostart`, so no agent or dirmngr should exist; this is the fallback in
    /// case one did start (a gpg that ignores the option): an orphaned daemon would otherwise
    /// hold a deleted home. It spawns gpgconf only when a socket hints at a daemon, keeping the
    /// common deinit free of process launches.
    private func stopDaemonsIfAny() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        // With /run/user/UID present gpg puts sockets there (a per-home d.HASH folder) instead.
        let runUserSockets = FileManager.default.fileExists(atPath: "/run/user/\(getuid())/gnupg")
        guard runUserSockets || entries.contains(where: { $0.hasPrefix("S.") }) else { return }
        Self.run(["gpgconf", "--homedir", path, "--kill", "all"])
        Self.run(["gpgconf", "--homedir", path, "--remove-socketdir"])
    }

    /// Runs a command with its output discarded and waits for it; failures are ignored
    /// (best-effort cleanup). posix_spawn, not Foundation's Process, because this runs in a
    /// deinit on whatever thread dropped the last reference, where no run loop is wanted.
    private static func run(_ arguments: [String]) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of the controller's (a fetch worker's pipe, a socket) reaches the child.
        if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            // glibc 2.34+ (a GNU extension Swift's Glibc module does not declare).
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(closeFrom, to: AddCloseFrom.self)(&actions, 3)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}
