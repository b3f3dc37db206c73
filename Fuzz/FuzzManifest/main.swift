// libFuzzer target: the manifest loader and validator, as `promptops validate` runs them
// (Sources/promptops/ValidateCommand.swift): files → ManifestLoader.loadFiles → SourceGrant
// → assemble → ManifestValidator.validate (with platform Policies) → DiagnosticReport.
//
// Input: the bytes of one YAML file, checked alongside a fixed valid manifest set (the
// quickstart's support namespace, which the fuzzed file can reference, include, collide with
// or govern) and one fixed platform Policy.
import Foundation
import PromptOpsCore

// The fixtures are static lets (initialised once, through swift_once) rather than globals of
// main.swift, so Fuzz/lsan.supp can tell them from a leak: LeakSanitizer loses track of
// Swift's tagged enum payload pointers and would report them at exit.
enum Fixture {
    static let fixedFiles: [ManifestFile] = [
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
        ManifestFile(path: "support/deployments.yaml", bytes: Array(#"""
    # support-reply reaches production as a canary: 10% of keys, an evaluation
    # gate, 50%, a pause, a second gate, then promotion.
    apiVersion: promptops.dev/v1alpha1
    kind: Deployment
    metadata:
      name: support-reply-prod
      namespace: support
      labels: {team: support, owner: cx-platform}
    spec:
      template: support-reply
      environment: production
      strategy:
        type: Canary
        canary:
          steps:
            - setWeight: 10
            - analysis: {}
            - setWeight: 50
            - pause: {duration: 10m}
            - analysis: {}
      analysis:
        interval: 1m
        count: 3
        failureLimit: 0
        inconclusiveLimit: 1
        metrics:
          - name: eval-pass-rate
            provider:
              evaluation:
                endpoint: http://127.0.0.1:11434/v1
                model: llama3.1
                repeats: 3
            thresholdRange: {min: 0.95}
          - name: negative-feedback
            provider:
              prometheus:
                address: http://127.0.0.1:9090
                query: sum(rate(feedback_negative{deployment="support-reply-prod",variant="canary"}[5m]))
            thresholdRange: {max: 0.05}
    ---
    # refund-decision is internal tooling in staging: new versions switch at once.
    apiVersion: promptops.dev/v1alpha1
    kind: Deployment
    metadata:
      name: refund-decision-staging
      namespace: support
      labels: {team: support, owner: payments}
    spec:
      template: refund-decision
      environment: staging
      strategy: {type: Direct}
    """#.utf8)),
        ManifestFile(path: "support/policy.yaml", bytes: Array(#"""
    # Guardrails for everything support serves in production.
    apiVersion: promptops.dev/v1alpha1
    kind: Policy
    metadata:
      name: production-guardrails
      namespace: support
    spec:
      enforcement: Deny
      match:
        kinds: [Deployment, PromptTemplate]
        environments: [production]
      rules:
        requireStrategy: Canary
        maxStepWeight: 50
        requireAnalysis: true
        allowedModels: [gpt-4o-mini, claude-3-5-haiku]
        maxTokens: 2000
        minTests: 2
        forbiddenPatterns:
          - {name: openai-key, regex: "sk-[A-Za-z0-9]{20,}"}
        requiredLabels: [owner]
        freezeWindows:
          - {days: [Fri, Sat, Sun], start: "18:00", end: "08:00", timezone: UTC}
    """#.utf8)),
    ]

    static let platformPolicies: [Policy] = {
        let platform = ManifestFile(path: "platform/baseline.yaml", bytes: Array(#"""
        apiVersion: promptops.dev/v1alpha1
        kind: Policy
        metadata: {name: baseline, namespace: platform}
        spec:
          namespaces: ["*"]
          enforcement: Warn
          rules:
            requiredLabels: [team]
            maxTokens: 4000
            forbiddenPatterns:
              - {name: aws-key, regex: "AKIA[0-9A-Z]{16}"}
        """#.utf8))
        let set = ManifestLoader().load([platform])
        precondition(!set.hasErrors, "the fixed platform Policy has errors: \(set.diagnostics)")
        let policies = set.policies.values.filter { $0.namespaces != nil }
        precondition(policies.count == 1)
        return policies
    }()

    static let grant = SourceGrant(source: "this repository", namespaces: nil, platform: true)
    // The fixed files are loaded once, as a controller caches unchanged files by blob id; each
    // input is loaded (parsed, schema-checked, decoded) and restricted like any file.
    static let loads = ManifestLoader().loadFiles(fixedFiles).map { grant.restrict($0).load }
}

func fuzzOne(_ bytes: [UInt8]) {
    let loader = ManifestLoader()
    let load = loader.loadFiles([ManifestFile(path: "fuzz/input.yaml", bytes: bytes)])[0]
    let (kept, refused) = Fixture.grant.restrict(load)
    let loads = Fixture.loads + [kept]
    var result = ManifestValidator().validate(loader.assemble(loads), platformPolicies: Fixture.platformPolicies)
    result.diagnostics = (result.diagnostics + refused).sortedByLocation()
    for format in DiagnosticReport.Format.allCases {
        _ = DiagnosticReport.render(result.diagnostics, format: format)
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

_ = Fixture.loads.count + Fixture.platformPolicies.count
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))

