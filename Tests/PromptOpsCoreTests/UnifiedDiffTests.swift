import Testing
@testable import PromptOpsCore

/// The unified diff is checked by applying it: every hunk's context and removed lines must
/// be found in the old text where the header says, and the result must be the new text.
struct UnifiedDiffTests {
    /// Applies a unified diff made with full context accounting to `old`.
    static func apply(_ diff: String, to old: String) -> String? {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        var next = 0  // next unconsumed old line (0-based)
        let lines = diff.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        for line in lines.dropFirst(2) {
            if line.hasPrefix("@@") {
                let header = line.split(separator: " ")
                let oldPart = header[1].dropFirst().split(separator: ",")
                guard let start = Int(oldPart[0]), let count = Int(oldPart[1]) else { return nil }
                let from = count == 0 ? start : start - 1
                guard from >= next, from <= a.count else { return nil }
                out += a[next..<from]
                next = from
            } else if line.hasPrefix(" ") || line.hasPrefix("-") {
                guard next < a.count, a[next] == String(line.dropFirst()) else { return nil }
                if line.hasPrefix(" ") { out.append(a[next]) }
                next += 1
            } else if line.hasPrefix("+") {
                out.append(String(line.dropFirst()))
            }
        }
        out += a[next...]
        return out.joined(separator: "\n")
    }

    @Test func equalTextsHaveNoDiff() {
        #expect(UnifiedDiff.make(old: "a\nb", new: "a\nb", oldLabel: "x", newLabel: "y").isEmpty)
    }

    @Test func oneChangedLineIsOneHunk() {
        let diff = UnifiedDiff.make(old: "a\nb\nc", new: "a\nB\nc", oldLabel: "old", newLabel: "new")
        #expect(diff == "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    }

    @Test(arguments: 0..<200) func appliedDiffGivesTheNewText(seed: Int) {
        var rng = RolloutSeededRandom(seed: UInt64(seed))
        let words = ["alpha", "beta", "gamma", "", "{{name}}", "delta"]
        func text(_ n: Int) -> [String] { (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] } }
        let old = text(Int(rng.next() % 40))
        var new = old
        for _ in 0..<Int(rng.next() % 8) {
            let op = rng.next() % 3
            if op == 0 || new.isEmpty { new.insert(contentsOf: text(1 + Int(rng.next() % 3)), at: Int(rng.next() % UInt64(new.count + 1))) }
            else if op == 1 { new.remove(at: Int(rng.next() % UInt64(new.count))) }
            else { new[Int(rng.next() % UInt64(new.count))] = "changed \(rng.next() % 100)" }
        }
        let (o, n) = (old.joined(separator: "\n"), new.joined(separator: "\n"))
        let diff = UnifiedDiff.make(old: o, new: n, oldLabel: "a", newLabel: "b")
        if o == n { #expect(diff.isEmpty); return }
        #expect(Self.apply(diff, to: o) == n, "seed \(seed):\n\(diff)")
    }

    /// The LCS table this replaced needed n·m cells (25 million at 5,000 lines each side); the
    /// Myers diff needs memory for the edits only, so the largest inputs diff at all.
    @Test func largestInputsDiff() {
        let old = (0..<UnifiedDiff.maxLines).map { "line \($0)" }
        var new = old
        new[2_500] = "changed"
        let diff = UnifiedDiff.make(old: old.joined(separator: "\n"), new: new.joined(separator: "\n"), oldLabel: "a", newLabel: "b")
        #expect(diff.contains("-line 2500\n+changed\n"))
    }
}
