// libFuzzer target: the render request body, handled as `POST .../render` does
// (Sources/PromptOpsServer/ServingAPI+Serving.swift): RenderRequest(body:) (JSONInput),
// then, when it decodes, the strict contract and the bounded render of a fixed compiled
// namespace (the quickstart's support templates plus two with richer inputs), then the
// answer written as RenderAnswer does.
//
// Input: the request body bytes. The request's key picks the template (by its traffic-split
// bucket), so one corpus reaches every template; no key renders support-reply.
//
// Checks: a rendered prompt is within the render limit, and the answer JSON parses back
// (with the server's own JSONInput) to the rendered text; the event loop's tape path reads
// what the full reader reads and answers the same bytes (or is refused by the contract).
import Foundation
@testable import PromptOpsCore
@testable import PromptOpsServer
import PromptOpsStore

let manifests: [ManifestFile] = [
    ManifestFile(path: "support/base-support.yaml", bytes: Array(#"""
# A parent template with slots. Children override {{$instructions}} and
# {{$format}}; everything else stays the same for every support prompt.
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: base-support
  namespace: support
  labels: {team: support, owner: cx-platform}
spec:
  description: Frame shared by single-turn support prompts.
  inputs:
    customer_name: {type: string, required: true, maxLength: 100}
  text: |
    You are a customer support specialist.
    {{> brand-voice}}

    ## Task
    {{$instructions}}Answer the customer's question.{{/instructions}}

    ## Customer
    Name: {{customer_name}}

    ## Output format
    {{$format}}Plain text, at most three short paragraphs.{{/format}}
"""#.utf8)),
    ManifestFile(path: "support/brand-voice.yaml", bytes: Array(#"""
# A shared module: included as a partial by support-reply and, through
# base-support, by refund-decision. Changing it creates new versions of both.
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: brand-voice
  namespace: support
  labels: {team: support, owner: cx-platform}
spec:
  description: How we sound, shared by every support prompt.
  inputs:
    company_name: {type: string, default: Acme Outdoor, maxLength: 60}
  text: |
    Voice: warm, concise and concrete. You write for {{company_name}}.
    Never promise delivery dates you cannot see in the data. Never blame the customer.
    If you do not know, say so and offer to hand over to a human colleague.
"""#.utf8)),
    ManifestFile(path: "support/refund-decision.yaml", bytes: Array(#"""
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: refund-decision
  namespace: support
  labels: {team: support, owner: payments}
spec:
  description: Decide a refund request; fills the base-support slots.
  model: {provider: openai, name: gpt-4o-mini}
  inputs:
    customer_name: {type: string, required: true}
    order_id: {type: string, required: true}
    amount: {type: number, required: true, minimum: 0}
    currency: {type: string, enum: [EUR, USD, GBP], default: EUR}
    days_since_delivery: {type: integer, required: true, minimum: 0}
  text: |
    {{<base-support}}
    {{$instructions}}
    Decide whether to refund order {{order_id}} ({{amount}} {{currency}}), delivered
    {{days_since_delivery}} days ago. Our policy allows refunds within 30 days.
    {{/instructions}}
    {{$format}}
    First line: APPROVE or DENY. Second line: one sentence of reasoning.
    {{/format}}
    {{/base-support}}
  tests:
    - name: within-window
      vars: {customer_name: Sam, order_id: B-7, amount: 19.99, days_since_delivery: 3}
      assert:
        - {type: starts-with, value: "APPROVE"}
    - name: outside-window
      vars: {customer_name: Sam, order_id: B-8, amount: 250, currency: USD, days_since_delivery: 45}
      assert:
        - {type: starts-with, value: "DENY"}
        - {type: regex, value: "(?i)30[- ]day", weight: 0.5}
      threshold: 0.6
"""#.utf8)),
    ManifestFile(path: "support/support-reply.yaml", bytes: Array(#"""
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: support-reply
  namespace: support
  labels: {team: support, owner: cx-platform}
spec:
  description: Reply to a customer ticket, using their recent orders.
  model:
    provider: openai
    name: gpt-4o-mini
    parameters: {temperature: 0.2, maxTokens: 400}
  inputs:
    customer_name: {type: string, required: true, maxLength: 100}
    ticket: {type: string, required: true, minLength: 1}
    tone: {type: string, enum: [friendly, formal], default: friendly}
    orders:
      type: array
      items:
        type: object
        properties:
          id: {type: string, required: true}
          status: {type: string, enum: [processing, shipped, delivered, returned]}
          total: {type: number}
  messages:
    - role: system
      content: |
        {{> brand-voice}}
        Answer in a {{tone}} tone. Address the customer as {{customer_name}}.
        {{#orders}}
        - Order {{id}}: {{status}}, total {{total}}
        {{/orders}}
        {{^orders}}
        The customer has no orders on record.
        {{/orders}}
    - role: user
      content: "{{ticket}}"
  tests:
    - name: greets-by-name
      vars: {customer_name: Ana, ticket: "Where is my order?", orders: [{id: A-100, status: shipped, total: 42.5}]}
      assert:
        - {type: contains, value: "Ana"}
        - {type: not-contains, value: "As an AI", weight: 2}
        - {type: max-length, value: 1200}
    - name: no-orders
      vars: {customer_name: Li, ticket: "Can I change my address?", tone: formal}
      assert:
        - {type: icontains, value: "address"}
        - {type: max-tokens, value: 300}
"""#.utf8)),
    ManifestFile(path: "support/catalog.yaml", bytes: Array(#"""
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata: {name: catalog, namespace: support}
spec:
  inputs:
    product:
      type: object
      required: true
      properties:
        name: {type: string, required: true, minLength: 1, maxLength: 50}
        price: {type: number, minimum: 0, maximum: 10000}
        tags: {type: array, items: {type: string, enum: [new, sale, eco]}}
        stock: {type: integer, minimum: 0}
    flags: {type: object}
    notes: {type: array}
    loud: {type: boolean, default: false}
    count: {type: integer, default: 3, minimum: 1, maximum: 50}
  text: |
    {{#loud}}LOUD {{/loud}}{{product.name}} costs {{product.price}}{{^product.price}}nothing{{/product.price}}.
    {{#product.tags}}[{{.}}]{{/product.tags}} stock={{product.stock}} count={{count}}
    {{#notes}}{{#.}}- {{.}}{{/.}}
    {{/notes}}{{{flags}}} {{&flags.x}} {{flags.a.b.c}}
"""#.utf8)),
    ManifestFile(path: "support/echo.yaml", bytes: Array(#"""
apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata: {name: echo, namespace: support}
spec:
  inputs:
    text: {type: string, required: true}
    times: {type: array, items: {type: integer}}
  messages:
    - {role: system, content: "{{> brand-voice}}"}
    - {role: user, content: "{{#times}}{{text}}{{/times}}{{^times}}{{text}}{{/times}}"}
"""#.utf8)),
]

// Static lets (initialised once, through swift_once) rather than globals of main.swift, so
// Fuzz/lsan.supp can tell them from a leak: LeakSanitizer loses track of Swift's tagged enum
// payload pointers and would report them at exit.
enum Fixture {
    static let compiled: CompiledNamespace = {
        let set = ManifestLoader().load(manifests)
        let result = ManifestValidator().validate(set)
        precondition(!result.hasErrors, "the fixed templates have errors:\n\(result.diagnostics.map(\.description).joined(separator: "\n"))")
        return result.namespaces["support"]!
    }()
    static let templateNames = compiled.entries.keys.sorted()
}

/// The event loop's path (Sources/PromptOpsServer/FastAnswers.swift): the body read into a
/// JSON tape and rendered from it. Whatever the tape reads, the full reader reads alike, and
/// the answer is the tree's, byte for byte (or the contract refuses both).
func fuzzTape(_ bytes: [UInt8], tree input: RenderRequest?) {
    guard var tape = JSONTape.read(bytes) else { return }
    guard let full = try? JSONInput.parse(bytes) else { preconditionFailure("the tape read what the full reader refuses") }
    precondition(tape.value(tape.root) == full, "the tape read another value")
    guard let parts = RenderRequest.parts(of: tape) else { return }
    guard let input else { preconditionFailure("plain parts in a body the request reader refuses") }
    precondition(parts.key == input.key, "another key")
    let names = Fixture.templateNames
    let name = input.key.map { names[TrafficSplit.bucket(key: $0, namespace: "support", deployment: "fuzz") % names.count] } ?? "support-reply"
    let version = VersionRef(version: 1, hash: "sha256:00")
    let fromTape = RenderAnswer.render(Fixture.compiled, template: name, tape: &tape, variables: parts.variables, limits: .standard,
                                       version: version, variant: .stable)
    let fromTree = RenderAnswer.render(Fixture.compiled, template: name, values: input.variables, limits: .standard,
                                       version: version, variant: .stable)
    switch (fromTape, fromTree) {
    case (nil, .failure(.contract)):
        break
    case (.success(let a)?, .success(let b)):
        precondition(a.bytes == b.bytes, "the tape's answer differs from the tree's")
    case (.failure(let a)?, .failure(let b)):
        precondition(a == b, "the tape failed otherwise")
    default:
        preconditionFailure("the tape and the tree disagree: \(String(describing: fromTape)) vs \(fromTree)")
    }
}

func fuzzOne(_ bytes: [UInt8]) {
    fuzzTape(bytes, tree: try? RenderRequest(body: bytes))
    guard let input = try? RenderRequest(body: bytes) else { return }
    let names = Fixture.templateNames
    let name = input.key.map { names[TrafficSplit.bucket(key: $0, namespace: "support", deployment: "fuzz") % names.count] }
        ?? "support-reply"
    switch Fixture.compiled.render(name, values: input.variables) {
    case .success(let prompt):
        let texts: [String]
        switch prompt {
        case .text(let text): texts = [text]
        case .messages(let messages): texts = messages.map(\.content)
        }
        precondition(texts.reduce(0) { $0 + $1.utf8.count } <= CompiledNamespace.maximumRenderBytes, "render over the limit")
        // The answer as the server writes it (rendering and encoding in one step) must say
        // what the String render says.
        guard case .success(let answer) = RenderAnswer.render(Fixture.compiled, template: name, values: input.variables, limits: .standard,
                                                              version: VersionRef(version: 1, hash: "sha256:00"), variant: .stable)
        else { preconditionFailure("the answer failed where the render succeeded") }
        guard case .object(let members) = try! JSONInput.parse(answer.bytes) else { preconditionFailure("answer is not an object") }
        switch prompt {
        case .text(let text):
            precondition(members["text"] == .string(text), "answer text differs from the render")
        case .messages(let messages):
            guard case .array(let written)? = members["messages"], written.count == messages.count else {
                preconditionFailure("answer messages differ")
            }
            for (m, w) in zip(messages, written) {
                guard case .object(let o) = w, o["content"] == .string(m.content), o["role"] == .string(m.role) else {
                    preconditionFailure("answer message differs from the render")
                }
            }
        }
    case .failure(.contract(let error)):
        _ = error.description + error.violations.map { "\($0)" }.joined()
    case .failure(.limit), .failure(.noSuchTemplate), .failure(.invalidTemplate):
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

_ = Fixture.templateNames.count
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
