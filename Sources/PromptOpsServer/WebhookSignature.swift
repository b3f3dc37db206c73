import Crypto
import Foundation
import HTTPTypes

/// Checks a push webhook's authenticity the way each sender signs it (controller-config.md,
/// "Webhooks"), in constant time, and reads what the push is about.
enum WebhookSignature {
    /// Who sent it, judged by the headers present.
    enum Sender: String {
        case github, gitlab, gitea, generic
    }

    static let github = HTTPField.Name("X-Hub-Signature-256")!
    static let githubEvent = HTTPField.Name("X-GitHub-Event")!
    static let gitlab = HTTPField.Name("X-Gitlab-Token")!
    static let gitlabEvent = HTTPField.Name("X-Gitlab-Event")!
    static let gitea = HTTPField.Name("X-Gitea-Signature")!
    static let giteaEvent = HTTPField.Name("X-Gitea-Event")!
    static let generic = HTTPField.Name("X-PromptOps-Signature-256")!

    /// The sender, or nil when no known signature header is present.
    static func sender(_ headers: HTTPFields) -> Sender? {
        if headers[github] != nil { return .github }
        if headers[gitlab] != nil { return .gitlab }
        if headers[gitea] != nil { return .gitea }
        if headers[generic] != nil { return .generic }
        return nil
    }

    /// Whether the request is signed with `secret`.
    static func isValid(_ headers: HTTPFields, body: [UInt8], secret: [UInt8]) -> Bool {
        guard let sender = sender(headers) else { return false }
        switch sender {
        case .github: return hmacMatches(headers[github]!, prefix: "sha256=", body: body, secret: secret)
        case .gitea: return hmacMatches(headers[gitea]!, prefix: "", body: body, secret: secret)
        case .generic: return hmacMatches(headers[generic]!, prefix: "sha256=", body: body, secret: secret)
        case .gitlab:
            // Compare digests, so the comparison takes the same time whatever the token's length.
            let given = SHA256.hash(data: Array(headers[gitlab]!.utf8)), expected = SHA256.hash(data: secret)
            return constantTimeEqual(Array(given), Array(expected))
        }
    }

    static func hmacMatches(_ header: String, prefix: String, body: [UInt8], secret: [UInt8]) -> Bool {
        guard header.hasPrefix(prefix), let given = hexBytes(header.dropFirst(prefix.count)), given.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: body, using: SymmetricKey(data: secret))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Why a signed request should not trigger a fetch (a ping, another event, another
    /// branch), or nil to trigger.
    static func ignoreReason(_ headers: HTTPFields, body: [UInt8], branch: String) -> String? {
        let event = headers[githubEvent] ?? headers[gitlabEvent] ?? headers[giteaEvent]
        if let event {
            let e = event.lowercased()
            if e == "ping" { return "ping" }
            if !(e == "push" || e == "push hook") { return "event '\(String(event.prefix(40)))' is not a push" }
        }
        // Only `ref` is read from the payload; it never becomes content.
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let ref = object["ref"] as? String,
           ref != "refs/heads/\(branch)" {
            return "push to \(String(ref.prefix(100))), not refs/heads/\(branch)"
        }
        return nil
    }
}
