import Mustache
import PromptOpsMustache

// Render benchmark: renders ReferencePrompt N times per run with each engine,
// alternating engines over several runs, and prints µs/render per run, the
// medians and the ratio. Arguments: [renders-per-run = 100000] [runs = 5]
// [engines = both | ours | theirs] (a single engine is meant for profiling).

let arguments = CommandLine.arguments
let rendersPerRun = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let runs = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let engines = arguments.count > 3 ? arguments[3] : "both"

// Our engine (prompt mode: no escaping).
var ours = PromptOpsMustache.MustacheLibrary()
ours.register(try PromptOpsMustache.MustacheTemplate(ReferencePrompt.template), named: "prompt")
ours.register(try PromptOpsMustache.MustacheTemplate(ReferencePrompt.brandVoice), named: "brand_voice")
let ourTemplate = ours["prompt"]!
let ourData = ReferencePrompt.value

// swift-mustache (HTML escaping is its default; the data has nothing to escape).
let theirs = Mustache.MustacheLibrary(templates: [
    "prompt": try Mustache.MustacheTemplate(string: ReferencePrompt.template),
    "brand_voice": try Mustache.MustacheTemplate(string: ReferencePrompt.brandVoice),
])
let theirData = ReferencePrompt.dictionary

let ourOutput = ours.render(ourTemplate, ourData)
guard let theirOutput = theirs.render(theirData, withTemplate: "prompt") else {
    fatalError("swift-mustache did not find the template")
}
guard ourOutput == theirOutput else {
    print("OUTPUTS DIFFER\n--- ours ---\n\(ourOutput)\n--- swift-mustache ---\n\(theirOutput)")
    fatalError("outputs differ")
}
print("output: \(ourOutput.utf8.count) bytes (identical for both engines)")
print("template: \(ReferencePrompt.template.utf8.count) bytes, partial: \(ReferencePrompt.brandVoice.utf8.count) bytes")
print("renders per run: \(rendersPerRun), runs: \(runs)")

/// Times `body` over `count` iterations; returns µs per iteration.
func measure(_ count: Int, _ body: () -> Int) -> (micros: Double, checksum: Int) {
    let clock = ContinuousClock()
    var checksum = 0
    let start = clock.now
    for _ in 0..<count { checksum &+= body() }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (seconds * 1e6 / Double(count), checksum)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return String(scaled)
}

var ourTimes: [Double] = []
var theirTimes: [Double] = []
var checksum = 0
for run in 1...runs {
    let mine = engines == "theirs" ? (micros: 0, checksum: 0) : measure(rendersPerRun) { ours.render(ourTemplate, ourData).utf8.count }
    let other = engines == "ours" ? (micros: 0, checksum: 0) : measure(rendersPerRun) { theirs.render(theirData, withTemplate: "prompt")!.utf8.count }
    ourTimes.append(mine.micros)
    theirTimes.append(other.micros)
    checksum &+= mine.checksum &+ other.checksum
    print("run \(run): PromptOpsMustache \(format(mine.micros)) µs/render, swift-mustache \(format(other.micros)) µs/render")
}
let ourMedian = median(ourTimes)
let theirMedian = median(theirTimes)
print("median: PromptOpsMustache \(format(ourMedian)) µs/render, swift-mustache \(format(theirMedian)) µs/render")
print("ratio: PromptOpsMustache is \(format(theirMedian / ourMedian))x faster (checksum \(checksum))")
