#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Mustache
import PromptOpsMustache

// Render benchmark: renders ReferencePrompt N times per run with each engine,
// alternating engines over several runs, and prints µs/render per run, the
// medians and the ratio. Each figure is given as wall-clock time and as the
// thread's CPU time; on a loaded machine (see the load average printed first)
// the CPU time is the steadier of the two.
//
// Arguments: [renders-per-run = 100000] [runs = 5] [engines = both | ours | theirs]
// (a single engine is meant for profiling, e.g. under valgrind --tool=callgrind).

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

/// A timing of one run: µs per iteration, wall-clock and thread CPU time.
struct Timing {
    var wall: Double
    var cpu: Double
    var checksum: Int
}

/// Seconds of CPU time the current thread has used.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Times `body` over `count` iterations.
func measure(_ count: Int, _ body: () -> Int) -> Timing {
    let clock = ContinuousClock()
    var checksum = 0
    let cpuStart = threadCPUSeconds()
    let start = clock.now
    for _ in 0..<count { checksum &+= body() }
    let elapsed = clock.now - start
    let cpu = threadCPUSeconds() - cpuStart
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Timing(wall: seconds * 1e6 / Double(count), cpu: cpu * 1e6 / Double(count), checksum: checksum)
}

/// The 1-minute load average, when the platform exposes it.
func loadAverage() -> String {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) == 3 ? String(loads[0]) : "unknown"
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return String(scaled)
}

print("load average (1 min): \(loadAverage()) on \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs")
let skipped = Timing(wall: 0, cpu: 0, checksum: 0)
var ourTimes: [Timing] = []
var theirTimes: [Timing] = []
var checksum = 0
for run in 1...runs {
    let mine = engines == "theirs" ? skipped : measure(rendersPerRun) { ours.render(ourTemplate, ourData).utf8.count }
    let other = engines == "ours" ? skipped : measure(rendersPerRun) { theirs.render(theirData, withTemplate: "prompt")!.utf8.count }
    ourTimes.append(mine)
    theirTimes.append(other)
    checksum &+= mine.checksum &+ other.checksum
    print("run \(run): PromptOpsMustache \(format(mine.wall)) µs/render (cpu \(format(mine.cpu))), swift-mustache \(format(other.wall)) µs/render (cpu \(format(other.cpu)))")
}
let ourWall = median(ourTimes.map(\.wall)), ourCPU = median(ourTimes.map(\.cpu))
let theirWall = median(theirTimes.map(\.wall)), theirCPU = median(theirTimes.map(\.cpu))
print("median: PromptOpsMustache \(format(ourWall)) µs/render (cpu \(format(ourCPU))), swift-mustache \(format(theirWall)) µs/render (cpu \(format(theirCPU)))")
print("ratio: PromptOpsMustache is \(format(theirWall / ourWall))x faster by wall time, \(format(theirCPU / ourCPU))x by cpu time (checksum \(checksum))")
