import Foundation

/// Parses one line of an OpenSSH `allowed_signers` file, following `sshsig.c`
/// (`parse_principals_key_and_options`, `sshsigopt_parse`) so a file that ssh-keygen rejects
/// is rejected here too, and with the same meaning for what it accepts.
///
/// Works on the line's UTF-8 bytes: every delimiter is ASCII, and byte offsets convert to
/// 1-based character columns only when an error is reported.
struct AllowedSignersLineParser {
    /// What one line turned out to be.
    enum Outcome {
        /// Blank or comment.
        case empty
        /// A usable entry.
        case entry(AllowedSigners.Entry)
        /// Well formed, but not something this verifier uses; the line is skipped.
        case skipped(AllowedSigners.Diagnostic)
    }

    private let bytes: [UInt8]
    private let lineNumber: Int
    private let timeZone: TimeZone
    private var index = 0

    init(line: Substring, number: Int, timeZone: TimeZone) {
        self.bytes = Array(line.utf8)
        self.lineNumber = number
        self.timeZone = timeZone
    }

    mutating func parse() throws(AllowedSigners.ParseError) -> Outcome {
        skipSpace()
        guard index < bytes.count, bytes[index] != UInt8(ascii: "#") else { return .empty }

        let principalsAt = index
        let principalsField: String
        if bytes[index] == UInt8(ascii: "\"") {
            // ssh's strdelim: a quoted principals field may hold spaces.
            guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                throw fail(at: principalsAt, "principals field has no closing quote")
            }
            principalsField = String(decoding: bytes[(index + 1) ..< close], as: UTF8.self)
            index = close + 1
        } else {
            principalsField = readWord()
        }
        let principals = principalsField.split(separator: ",").map(String.init)
        guard !principals.isEmpty else { throw fail(at: principalsAt, "principals field is empty") }

        skipSpace()
        guard index < bytes.count else { throw fail(at: index, "missing key after the principals") }
        var options = Options()
        if !SSHPublicKey.isKnownKeyType(peekWord()) {
            options = try parseOptions()
            skipSpace()
            guard index < bytes.count else { throw fail(at: index, "missing key after the options") }
        }

        let typeAt = index
        let typeName = readWord()
        skipSpace()
        let keyAt = index
        let keyText = readWord()
        guard !keyText.isEmpty else { throw fail(at: keyAt, "missing base64 key after the key type") }
        // Whatever follows the key is a comment, as in authorized_keys.

        guard SSHPublicKey.isKnownKeyType(typeName) else {
            throw fail(at: typeAt, "unknown key type \(sshDisplayToken(typeName))")
        }
        if SSHPublicKey.Algorithm(rawValue: typeName) == nil {
            return .skipped(note(at: typeAt, SSHKeyError.unsupportedKeyType(typeName).message + "; line skipped"))
        }
        guard let blob = Data(base64Encoded: keyText) else {
            throw fail(at: keyAt, "key is not valid base64")
        }
        let key: SSHPublicKey
        do throws(SSHKeyError) {
            key = try SSHPublicKey(blob: blob)
        } catch where error.kind == .unsupported {
            return .skipped(note(at: keyAt, error.message + "; line skipped"))
        } catch {
            throw fail(at: keyAt, error.message)
        }
        guard key.algorithm.rawValue == typeName else {
            throw fail(at: typeAt, "key type \(sshDisplayToken(typeName)) does not match the key, which is \(key.algorithm.rawValue)")
        }
        if options.certificateAuthority {
            // Certificates are not verified (see AllowedSigners); skipping fails closed: a
            // commit signed by a certificate then finds no matching plain key.
            return .skipped(note(at: principalsAt, "cert-authority lines are not supported (SSH certificates are not verified); line skipped"))
        }
        return .entry(AllowedSigners.Entry(
            line: lineNumber, principals: principals, namespaces: options.namespaces,
            validAfter: options.validAfter, validBefore: options.validBefore, key: key))
    }

    // MARK: Options

    private struct Options {
        var certificateAuthority = false
        var namespaces: String?
        var validAfter: Date?
        var validBefore: Date?
    }

    /// `sshsigopt_parse`: comma-separated, keywords case-insensitive, values double-quoted.
    private mutating func parseOptions() throws(AllowedSigners.ParseError) -> Options {
        var options = Options()
        let optionsAt = index
        while index < bytes.count, !isSpace(bytes[index]) {
            let optionAt = index
            if consumeKeyword("cert-authority") {
                options.certificateAuthority = true
            } else if consumeKeyword("namespaces=") {
                guard options.namespaces == nil else { throw fail(at: optionAt, "namespaces is given twice") }
                options.namespaces = try readQuoted(option: "namespaces", example: "git")
            } else if consumeKeyword("valid-after=") {
                guard options.validAfter == nil else { throw fail(at: optionAt, "valid-after is given twice") }
                options.validAfter = try readTime(option: "valid-after", at: optionAt)
            } else if consumeKeyword("valid-before=") {
                guard options.validBefore == nil else { throw fail(at: optionAt, "valid-before is given twice") }
                options.validBefore = try readTime(option: "valid-before", at: optionAt)
            } else {
                let token = String(decoding: bytes[optionAt...].prefix { $0 != UInt8(ascii: ",") && !isSpace($0) }, as: UTF8.self)
                throw fail(at: optionAt, "unknown option or key type \(sshDisplayToken(token))")
            }
            if index == bytes.count || isSpace(bytes[index]) { break }
            guard bytes[index] == UInt8(ascii: ",") else {
                let token = String(decoding: bytes[optionAt...].prefix { $0 != UInt8(ascii: ",") && !isSpace($0) }, as: UTF8.self)
                throw fail(at: optionAt, "unknown option \(sshDisplayToken(token))")
            }
            index += 1
            guard index < bytes.count, !isSpace(bytes[index]) else { throw fail(at: index, "option list ends with a comma") }
        }
        if let after = options.validAfter, let before = options.validBefore, before <= after {
            throw fail(at: optionsAt, "valid-before is not later than valid-after")
        }
        return options
    }

    /// `opt_dequote`: the value must start with `"`; `\"` inside is a literal quote.
    private mutating func readQuoted(option: String, example: String) throws(AllowedSigners.ParseError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw fail(at: index, "the value of \(option) must be in double quotes, e.g. \(option)=\"\(example)\"")
        }
        let openAt = index
        index += 1
        var value: [UInt8] = []
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                index += 1
            }
            value.append(bytes[index])
            index += 1
        }
        guard index < bytes.count else { throw fail(at: openAt, "the value of \(option) has no closing quote") }
        index += 1
        return String(decoding: value, as: UTF8.self)
    }

    private mutating func readTime(option: String, at optionAt: Int) throws(AllowedSigners.ParseError) -> Date {
        let text = try readQuoted(option: option, example: "20250101")
        guard let date = Self.parseTimestamp(text, timeZone: timeZone) else {
            throw fail(at: optionAt, "\(option) \(sshDisplayToken(text)) is not a time in the form YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]")
        }
        return date
    }

    /// `parse_absolute_time`: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in `timeZone` unless
    /// suffixed `Z` or `UTC` (either case). Times at or before 1970 are refused, as OpenSSH
    /// treats zero as "unset".
    static func parseTimestamp(_ text: String, timeZone: TimeZone) -> Date? {
        var digits = Substring(text)
        var zone = timeZone
        if digits.count > 1, digits.uppercased().hasSuffix("Z") {
            digits = digits.dropLast()
            zone = TimeZone(identifier: "UTC")!
        } else if digits.count > 3, digits.uppercased().hasSuffix("UTC") {
            digits = digits.dropLast(3)
            zone = TimeZone(identifier: "UTC")!
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let numbers = stride(from: 0, to: digits.count, by: 2).map { offset -> Int in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return Int(digits[start ..< digits.index(start, offsetBy: 2)])!
        }
        var parts = DateComponents()
        parts.year = numbers[0] * 100 + numbers[1]
        parts.month = numbers[2]
        parts.day = numbers[3]
        parts.hour = numbers.count > 4 ? numbers[4] : 0
        parts.minute = numbers.count > 5 ? numbers[5] : 0
        parts.second = numbers.count > 6 ? numbers[6] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // Calendar rolls 31 February over into March; require the fields to survive a round
        // trip so impossible dates are errors, as they are for strptime.
        guard let date = calendar.date(from: parts), date.timeIntervalSince1970 > 0 else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == parts.year, back.month == parts.month, back.day == parts.day,
              back.hour == parts.hour, back.minute == parts.minute, back.second == parts.second
        else { return nil }
        return date
    }

    // MARK: Lexing

    private func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    private mutating func skipSpace() {
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
    }

    private func peekWord() -> String {
        String(decoding: bytes[index...].prefix { !isSpace($0) }, as: UTF8.self)
    }

    private mutating func readWord() -> String {
        let word = peekWord()
        index += word.utf8.count
        return word
    }

    /// Consumes `keyword` if the bytes at the cursor spell it, ignoring ASCII case.
    private mutating func consumeKeyword(_ keyword: String) -> Bool {
        let expected = Array(keyword.utf8)
        guard bytes.count - index >= expected.count else { return false }
        for (offset, byte) in expected.enumerated() where Self.lower(bytes[index + offset]) != byte {
            return false
        }
        index += expected.count
        return true
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// 1-based column in characters of the byte offset, for a person reading an editor.
    private func column(of offset: Int) -> Int {
        String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self).count + 1
    }

    private func fail(at offset: Int, _ message: String) -> AllowedSigners.ParseError {
        AllowedSigners.ParseError(line: lineNumber, column: column(of: offset), message: message)
    }

    private func note(at offset: Int, _ message: String) -> AllowedSigners.Diagnostic {
        AllowedSigners.Diagnostic(line: lineNumber, column: column(of: offset), message: message)
    }
}
