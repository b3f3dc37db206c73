import Foundation

/// The trusted SSH signing keys of an OpenSSH `allowed_signers` file, and the check of a git
/// commit's SSH signature against them — what `git verify-commit` does with
/// `gpg.format=ssh` and `gpg.ssh.allowedSignersFile`, without running ssh-keygen.
///
/// Each line is `principals [options] keytype base64-key [comment]` (ssh-keygen(1), ALLOWED
/// SIGNERS). Options: `namespaces="…"` (a pattern-list), `valid-after="…"`,
/// `valid-before="…"` and `cert-authority`.
///
/// Not supported, and why it is safe: SSH *certificates*. A `cert-authority` line is parsed
/// (so its typos are still reported) and then skipped with a ``Diagnostic``; so are lines
/// whose key type OpenSSH knows but we do not verify (FIDO `sk-…` keys, DSA, certificate
/// keys, RSA under 2048 bits). A skipped line trusts nothing, so a commit signed that way is
/// rejected (`untrustedKey` or `malformed`), never accepted by mistake.
public struct AllowedSigners: Sendable {
    /// One usable line of the file.
    public struct Entry: Sendable, Equatable {
        /// 1-based line number in the file, for messages.
        public var line: Int
        /// The comma-separated principals, in file order; patterns are kept as written.
        public var principals: [String]
        /// The `namespaces` pattern-list, or nil when the line does not restrict namespaces.
        public var namespaces: String?
        /// The key is not valid before this instant (inclusive bound), if set.
        public var validAfter: Date?
        /// The key is not valid after this instant (inclusive bound), if set.
        public var validBefore: Date?
        /// The trusted key.
        public var key: SSHPublicKey

        /// Creates an entry; normally made by ``AllowedSigners/parse(_:timeZone:)``.
        public init(line: Int, principals: [String], namespaces: String?, validAfter: Date?, validBefore: Date?, key: SSHPublicKey) {
            self.line = line
            self.principals = principals
            self.namespaces = namespaces
            self.validAfter = validAfter
            self.validBefore = validBefore
            self.key = key
        }

        /// Why this entry does not vouch for a signature in `namespace` made at `time`, or nil
        /// if it does. Bounds are inclusive, as in sshsig.c's `check_allowed_keys_line`.
        func problem(namespace: String, at time: Date) -> String? {
            if let namespaces, SSHPatternList.match(namespace, against: namespaces) != .included {
                return "allowed_signers line \(line): the key is not permitted for the \"\(namespace)\" namespace"
            }
            if let validAfter, time < validAfter {
                return "allowed_signers line \(line): the key is not valid until \(Self.format(validAfter)); the commit is dated \(Self.format(time))"
            }
            if let validBefore, time > validBefore {
                return "allowed_signers line \(line): the key expired at \(Self.format(validBefore)); the commit is dated \(Self.format(time))"
            }
            return nil
        }

        private static func format(_ date: Date) -> String {
            ISO8601DateFormatter().string(from: date)
        }
    }

    /// A line that was parsed but skipped, and why; the file is still usable.
    public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        /// 1-based column, in characters, of the token concerned.
        public var column: Int
        /// What was skipped and why.
        public var message: String

        /// `line:column: message`.
        public var description: String { "\(line):\(column): \(message)" }
    }

    /// A syntax error; the whole file is refused, as ssh-keygen refuses it.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        /// 1-based column, in characters, where the offending token starts.
        public var column: Int
        /// What is wrong; quotes at most the offending token, shortened, never a whole key.
        public var message: String

        /// `line:column: message`.
        public var description: String { "\(line):\(column): \(message)" }
    }

    /// The namespace git signs commits in (`ssh-keygen -Y sign -n git`).
    public static let gitNamespace = "git"

    /// The usable lines, in file order.
    public let entries: [Entry]
    /// Lines skipped because they use a feature this verifier does not support.
    public let diagnostics: [Diagnostic]

    /// Creates a set of trusted keys directly.
    public init(entries: [Entry], diagnostics: [Diagnostic] = []) {
        self.entries = entries
        self.diagnostics = diagnostics
    }

    /// Parses the text of an `allowed_signers` file.
    ///
    /// - Parameter timeZone: how `valid-after`/`valid-before` times without a `Z` suffix are
    ///   read. ssh-keygen uses the system time zone, hence the default; pass UTC for a
    ///   deployment that must not depend on the host's zone.
    /// - Throws: ``ParseError`` at the first syntax error, with its line and column.
    public static func parse(_ text: String, timeZone: TimeZone = .current) throws(ParseError) -> AllowedSigners {
        var entries: [Entry] = []
        var diagnostics: [Diagnostic] = []
        // "\r\n" is one Character in Swift, so split on both forms rather than on "\n" alone.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, line) in lines.enumerated() {
            var parser = AllowedSignersLineParser(line: line, number: offset + 1, timeZone: timeZone)
            switch try parser.parse() {
            case .empty: continue
            case let .entry(entry): entries.append(entry)
            case let .skipped(diagnostic): diagnostics.append(diagnostic)
            }
        }
        return AllowedSigners(entries: entries, diagnostics: diagnostics)
    }

    /// Judges a commit's SSH signature.
    ///
    /// - Parameters:
    ///   - armoredText: the commit's `gpgsig` header value, continuation lines unfolded (as
    ///     libgit2's `git_commit_extract_signature` returns it).
    ///   - signedData: the commit object with the `gpgsig` header removed.
    ///   - commitTime: the instant checked against `valid-after`/`valid-before`; git passes the
    ///     committer date to ssh-keygen (`-Overify-time`), and so should the caller.
    /// - Returns: `.trusted` with the first principal of the first line that lists the key and
    ///   permits this use; otherwise `.rejected`, checked in this order: no signature
    ///   (`unsigned`), OpenPGP or unparsable (`malformed`), wrong namespace or failing maths
    ///   (`badSignature`), key not listed (`untrustedKey`), listed but not for the `git`
    ///   namespace or this time (`keyNotValid`). The maths is checked before trust so that
    ///   `untrustedKey` always means a genuine signature by an unknown key.
    public func verify(commitSignature armoredText: String, signedData: Data, at commitTime: Date) -> SignatureVerdict {
        func reject(_ reason: SignatureRejection.Reason, _ fingerprint: String?, _ message: String) -> SignatureVerdict {
            .rejected(SignatureRejection(reason: reason, fingerprint: fingerprint, message: message))
        }
        if armoredText.allSatisfy(\.isWhitespace) {
            return reject(.unsigned, nil, "the commit is not signed")
        }
        if armoredText.contains("-----BEGIN PGP SIGNATURE-----") {
            return reject(.malformed, nil, "the commit carries an OpenPGP signature, but signature verification is configured for ssh (allowed_signers)")
        }
        let signature: SSHSignature
        do {
            signature = try SSHSignature(armored: armoredText)
        } catch {
            return reject(.malformed, error.fingerprint, "the SSH signature cannot be used: \(error.message)")
        }
        let fingerprint = signature.publicKey.fingerprint
        switch signature.check(message: signedData, namespace: Self.gitNamespace) {
        case .valid:
            break
        case let .wrongNamespace(found):
            return reject(.badSignature, fingerprint, "the signature was made for the namespace \(sshDisplayToken(found)), not \"git\"; commit signatures must be made by git (ssh-keygen -Y sign -n git)")
        case .invalid:
            return reject(.badSignature, fingerprint, "the signature does not match the commit: it was altered after signing, or the signature is forged")
        case let .refused(message):
            return reject(.malformed, fingerprint, "the SSH signature cannot be used: \(message)")
        }
        let candidates = entries.filter { $0.key == signature.publicKey }
        guard !candidates.isEmpty else {
            return reject(.untrustedKey, fingerprint, "the signing key \(fingerprint) (\(signature.publicKey.algorithm.rawValue)) is not in allowed_signers")
        }
        var firstProblem: String?
        for entry in candidates {
            if let problem = entry.problem(namespace: Self.gitNamespace, at: commitTime) {
                firstProblem = firstProblem ?? problem
                continue
            }
            return .trusted(SignerIdentity(mode: "ssh", principal: entry.principals.first ?? "", fingerprint: fingerprint))
        }
        return reject(.keyNotValid, fingerprint, firstProblem ?? "the key is not valid for this commit")
    }
}
