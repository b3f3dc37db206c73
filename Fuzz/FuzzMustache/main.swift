// libFuzzer target: the Mustache scanner, compiler and bounded renderer.
//
// Input: parts separated by NUL bytes. Part 0 is the template. Part 1, when present and
// JSON, is the data context (else a fixed context is used). Parts 2, 3, 4 are registered as
// the partials/parents "a", "b", "c"; the template itself is registered as "main", so it can
// include itself. A template containing the comment `{{!html}}` renders with HTML escaping.
//
// Checks: compiling never crashes; analysis never crashes; a bounded render with the server's
// output limit (1 MiB, and 200,000 steps) stays within them, and when it succeeds it equals the
// unbounded render. Anything slow (>10 s under hack/fuzz) is unbounded work: a bug.
import Foundation
import PromptOpsMustache

// A static let (initialised once, through swift_once) rather than a global of main.swift, so
// Fuzz/lsan.supp can tell it from a leak: LeakSanitizer loses track of Swift's tagged enum
// payload pointers and would report it at exit.
enum Fixture {
    static let data: MustacheValue = [
        "name": "Ana", "s": "<b>&\"'</b>", "t": true, "f": false, "n": nil, "x": 1.5, "i": 42,
        "a": "a", "b": "b", "c": "c", "dyn": "a", "main": "main", "empty": [],
        "items": [1, 2, 3], "list": [["id": "a", "v": [1, 2]], ["id": "b", "v": []]],
        "obj": ["a": 1, "b": ["c": "deep", "d": [true, false]]],
    ]
}

func fuzzOne(_ bytes: [UInt8]) {
    let parts = bytes.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false)
    let source = String(decoding: parts[0], as: UTF8.self)
    guard let template = try? MustacheTemplate(source) else { return }
    let analysis = template.analysis
    _ = analysis.partials.count + analysis.parents.count

    var context = Fixture.data
    if parts.count > 1, let json = try? JSONSerialization.jsonObject(with: Data(parts[1]), options: [.fragmentsAllowed]) {
        context = MustacheValue(json: json)
    }
    var library = MustacheLibrary(escaping: source.contains("{{!html}}") ? .html : .none)
    library.register(template, named: "main")
    for (index, name) in ["a", "b", "c"].enumerated() where parts.count > index + 2 {
        if let partial = try? MustacheTemplate(String(decoding: parts[index + 2], as: UTF8.self)) {
            library.register(partial, named: name)
        }
    }
    // The server's output limit (CompiledNamespace.maximumRenderBytes) and a tenth of its
    // step budget: a render that hits the budget is the expected, bounded outcome (a template
    // that includes itself twice does), and at the server's 2,000,000 steps such an input
    // costs seconds under ASan and coverage instrumentation, which slows the whole run down.
    library.maximumOutputBytes = 1 << 20
    library.maximumRenderSteps = 200_000
    switch library.renderBounded(template, context) {
    case .success(let text):
        precondition(text.utf8.count <= library.maximumOutputBytes, "bounded render wrote \(text.utf8.count) bytes")
        var unbounded = library
        unbounded.maximumOutputBytes = Int.max
        let again = unbounded.render(template, context)
        precondition(again == text, "bounded and unbounded renders differ")
    case .failure:
        break
    }
}

// libFuzzer's own main is linked too; SwiftPM's debug link points `main` at this file's
// top-level code, which hands over to libFuzzer's driver.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

_ = Fixture.data
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
