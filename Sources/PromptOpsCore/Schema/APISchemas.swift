/// The v1alpha1 manifest API as schema definitions: the single source for strict
/// decoding and for the JSON Schemas in `manifests/`.
public enum APISchemas {
    /// The only API version this build understands.
    public static let apiVersion = "promptops.dev/v1alpha1"

    /// The kinds, in documentation order.
    public static let kinds = ["PromptTemplate", "Deployment", "Policy"]

    /// Named definitions referenced by ``SchemaType/reference(_:)``.
    public static let definitions: [String: SchemaType] = ["Input": .object(input)]

    /// The whole-document schema of `kind`.
    public static func document(kind: String) -> ObjectSchema {
        let spec: ObjectSchema
        switch kind {
        case "Deployment": spec = deploymentSpec
        case "Policy": spec = policySpec
        default: spec = promptTemplateSpec
        }
        return ObjectSchema("A PromptOps \(kind).", fields: [
            .init("apiVersion", .string(.init(allowed: [apiVersion])), required: true, "API version: \(apiVersion)."),
            .init("kind", .string(.init(allowed: [kind])), required: true, "The kind of object."),
            .init("metadata", .object(metadata), required: true, "Name, namespace, labels and annotations."),
            .init("spec", .object(spec), required: true, spec.description),
        ])
    }

    static let stringMap = SchemaType.map(.string())

    static let metadata = ObjectSchema("Identity of the object.", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "DNS-1123 label, unique per kind and namespace."),
        .init("namespace", .string(.init(format: .dnsLabel)), "Tenant (team); defaults to \"default\"."),
        .init("labels", stringMap, "String labels that policies select on."),
        .init("annotations", stringMap, "Free-text annotations."),
    ])

    static let inputTypes = ["string", "number", "integer", "boolean", "array", "object"]

    static let input = ObjectSchema("One typed input of a template.", fields: [
        .init("type", .string(.init(allowed: inputTypes)), required: true, "The value's type."),
        .init("description", .string(), "What the input is for."),
        .init("required", .boolean, "A value must be given (or a default exists)."),
        .init("default", .any, "Used when no value is given."),
        .init("enum", .array(.any, minItems: 1), "The allowed values."),
        .init("minLength", .integer(minimum: 0), "Strings: minimum length in characters."),
        .init("maxLength", .integer(minimum: 0), "Strings: maximum length in characters."),
        .init("minimum", .number(), "Numbers: smallest allowed value."),
        .init("maximum", .number(), "Numbers: largest allowed value."),
        .init("items", .reference("Input"), "Arrays: the type of each element."),
        .init("properties", .map(.reference("Input"), keyPattern: StringFormat.identifier.rawValue), "Objects: the typed fields."),
    ])

    static let assertionTypes = [
        "equals", "contains", "icontains", "not-contains", "regex", "starts-with", "is-json",
        "max-length", "min-length", "max-tokens", "latency-ms",
    ]

    static let assertion = ObjectSchema("A check on a model's output.", fields: [
        .init("type", .string(.init(allowed: assertionTypes)), required: true, "The kind of check."),
        .init("value", .any, "The expected value (a string, a pattern or a number by type)."),
        .init("weight", .number(minimum: 0), "Weight in the test's score; default 1."),
    ])

    static let test = ObjectSchema("An evaluation case.", fields: [
        .init("name", .string(.init(format: .identifier)), required: true, "Unique within the template."),
        .init("description", .string(), "What the case checks."),
        .init("vars", .map(.any), "Inputs for this case; they must satisfy the template's contract."),
        .init("assert", .array(.object(assertion), minItems: 1), required: true, "Checks on the output."),
        .init("threshold", .number(minimum: 0, maximum: 1), "Weighted score needed to pass; default 1.0."),
    ])

    static let message = ObjectSchema("One chat message.", fields: [
        .init("role", .string(.init(allowed: ["system", "user", "assistant"])), required: true, "system, user or assistant."),
        .init("content", .string(), required: true, "Mustache template text."),
    ])

    static let model = ObjectSchema("Default model for callers and evaluations.", fields: [
        .init("provider", .string(), "Free string, e.g. openai."),
        .init("name", .string(), "Model name, e.g. gpt-4o-mini."),
        .init("parameters", .map(.any), "Model parameters (temperature, maxTokens, ...)."),
    ])

    static let promptTemplateSpec = ObjectSchema("A prompt: typed inputs, chat messages or text, and tests.", fields: [
        .init("description", .string(), "What the prompt does."),
        .init("model", .object(model), "Optional model defaults."),
        .init("inputs", .map(.reference("Input"), keyPattern: StringFormat.identifier.rawValue), "The typed input contract."),
        .init("messages", .array(.object(message), minItems: 1), "Chat form (exactly one of messages or text)."),
        .init("text", .string(), "Text form (exactly one of messages or text)."),
        .init("tests", .array(.object(test)), "Evaluation cases."),
    ], exactlyOneOf: [["messages", "text"]])

    static let step = ObjectSchema("One canary step: exactly one of setWeight, pause, analysis.", fields: [
        .init("setWeight", .integer(minimum: 0, maximum: 100), "Percent of keys routed to the canary."),
        .init("pause", .object(.init("Wait.", fields: [
            .init("duration", .string(.init(format: .duration)), "How long; omit to wait for a manual promote."),
        ])), "Timed pause, or `{}` for a manual promote."),
        .init("analysis", .object(.init("One analysis run.", fields: [])), "Run the Deployment's analysis once; it must succeed to go on."),
    ], exactlyOneOf: [["setWeight", "pause", "analysis"]])

    static let range = ObjectSchema("Success when the value is inside.", fields: [
        .init("min", .number(), "Lowest successful value."),
        .init("max", .number(), "Highest successful value."),
    ])

    static let provider = ObjectSchema("Where a measurement comes from.", fields: [
        .init("evaluation", .object(.init("The template's tests against an OpenAI-compatible endpoint.", fields: [
            .init("endpoint", .string(), required: true, "Base URL, e.g. http://127.0.0.1:11434/v1."),
            .init("model", .string(), required: true, "Model name."),
            .init("secretRef", .string(.init(format: .dnsLabel)),
                  "A secret of the controller config granted to this namespace, sent as the bearer token."),
            .init("repeats", .integer(minimum: 1, maximum: 100), "Runs per test; default 1."),
            .init("timeout", .string(.init(format: .duration)), "Per-call timeout; default 30s."),
        ])), "Evaluation provider."),
        .init("prometheus", .object(.init("A Prometheus instant query.", fields: [
            .init("address", .string(), required: true, "Base URL of Prometheus."),
            .init("query", .string(), required: true, "PromQL returning one number. {{variant}} is replaced by canary (an Experiment: by each variant, and the effect canary - stable is judged)."),
            .init("timeout", .string(.init(format: .duration)), "Default 10s."),
        ])), "Prometheus provider."),
        .init("web", .object(.init("GET a URL and read a number.", fields: [
            .init("url", .string(), required: true, "The URL. {{variant}} is replaced by canary (an Experiment: by each variant, and the effect canary - stable is judged)."),
            .init("jsonPath", .string(), required: true, "Where the number is, e.g. $.score."),
            .init("timeout", .string(.init(format: .duration)), "Default 10s."),
        ])), "Web provider."),
    ], exactlyOneOf: [["evaluation", "prometheus", "web"]])

    static let metric = ObjectSchema("One measured metric.", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "Unique within the analysis."),
        .init("provider", .object(provider), required: true, "Where the value comes from."),
        .init("thresholdRange", .object(range), required: true, "Successful range."),
    ])

    static let analysis = ObjectSchema("How a canary is measured.", fields: [
        .init("interval", .string(.init(format: .duration)), "Between measurements; default 1m."),
        .init("count", .integer(minimum: 1, maximum: 1000), "Measurements per run; default 3."),
        .init("failureLimit", .integer(minimum: 0), "Failed measurements tolerated; default 0."),
        .init("inconclusiveLimit", .integer(minimum: 0), "Inconclusive measurements tolerated before Paused; default 1."),
        .init("consecutiveErrorLimit", .integer(minimum: 0), "Provider errors in a row tolerated before Paused; default 4."),
        .init("metrics", .array(.object(metric), minItems: 1), "Threshold metrics; all must pass (metrics, judge or both)."),
        .init("judge", .object(judge), "Judge the canary against the stable version on the same tests."),
    ])

    static let judge = ObjectSchema("The comparative judge: stable and canary run the same tests each round; a sequential test decides with the stated error rates.", fields: [
        .init("type", .string(.init(allowed: ["comparative"])), required: true, "comparative."),
        .init("evaluation", .object(.init("The model both versions are run with.", fields: [
            .init("endpoint", .string(), required: true, "Base URL of an OpenAI-compatible endpoint."),
            .init("model", .string(), required: true, "Model name."),
            .init("secretRef", .string(.init(format: .dnsLabel)),
                  "A secret of the controller config granted to this namespace, sent as the bearer token."),
            .init("repeats", .integer(minimum: 1, maximum: 100), "Runs per test and version each round; default 3."),
            .init("timeout", .string(.init(format: .duration)), "Per-call timeout; default 30s."),
        ])), required: true, "Where the tests run."),
        .init("margin", .number(minimum: 0, maximum: 0.5), "Worse means worse by more than this much pass rate (0.02: 2 points); default 0.02."),
        .init("falseRollback", .number(minimum: 0.0001, maximum: 0.5), "Chance of rolling back a canary that is not worse; default 0.01."),
        .init("missedRegression", .number(minimum: 0.0001, maximum: 0.5), "Chance of promoting a canary worse by more than margin; default 0.05."),
        .init("maxSamples", .integer(minimum: 1, maximum: 100_000), "Pairs per version before the judge says Inconclusive (Paused); default 3000."),
    ])

    static let deploymentSpec = ObjectSchema("Serves a template, switching versions directly or by canary.", fields: [
        .init("template", .string(.init(format: .dnsLabel)), required: true, "PromptTemplate in the same namespace."),
        .init("environment", .string(), "Free label policies select on, e.g. production."),
        .init("strategy", .object(.init("How a new version reaches traffic.", fields: [
            .init("type", .string(.init(allowed: ["Canary", "Direct", "Experiment"])), required: true, "Canary, Direct or Experiment."),
            .init("canary", .object(.init("Canary steps.", fields: [
                .init("steps", .array(.object(step), minItems: 1), required: true, "Run in order, then promote."),
            ])), "Required for Canary."),
            .init("experiment", .object(.init("An A/B experiment: the new version serves a fixed share of keys while the analysis judges it against stable.", fields: [
                .init("weight", .integer(minimum: 1, maximum: 99), "Percent of request keys on the new version; default 50."),
                .init("duration", .string(.init(format: .duration)), "Horizon: without a decision by then the experiment pauses for a person."),
                .init("promote", .boolean, "Promote the new version when the judge says Promote; default false (wait for a person)."),
            ])), "For Experiment."),
        ])), "Default: Direct."),
        .init("analysis", .object(analysis), "Measurements for analysis steps."),
    ])

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static let policySpec = ObjectSchema("Guardrails for objects of its namespace.", fields: [
        .init("enforcement", .string(.init(allowed: ["Deny", "Warn"])), "Deny (errors, block) or Warn; default Deny."),
        .init("namespaces", .array(.string(), minItems: 1),
              "Makes this a platform Policy: it governs every namespace these globs match (\"*\": all) instead of its own. Only a source marked platform: true may set it; a tenant's Policy never lifts its Deny."),
        .init("match", .object(.init("Which objects the rules apply to.", fields: [
            .init("kinds", .array(.string(.init(allowed: ["Deployment", "PromptTemplate"]))), "Kinds; default both."),
            .init("environments", .array(.string()), "Deployments by spec.environment, and the templates they serve."),
            .init("labels", stringMap, "Objects whose labels include all of these."),
        ])), "Default: everything in the namespace."),
        .init("rules", .object(.init("The rules.", fields: [
            .init("requireStrategy", .string(.init(allowed: ["Canary", "Direct", "Experiment"])), "Deployments must use this strategy."),
            .init("maxStepWeight", .integer(minimum: 0, maximum: 100), "No setWeight above this before the last analysis."),
            .init("requireAnalysis", .boolean, "Canary Deployments must run an analysis step with metrics."),
            .init("allowedModels", .array(.string()), "Templates' spec.model.name must be one of these."),
            .init("maxTokens", .integer(minimum: 1), "Estimated tokens of the template text (characters / 4)."),
            .init("minTests", .integer(minimum: 0), "Templates need at least this many tests."),
            .init("forbiddenPatterns", .array(.object(.init("A pattern that must not appear in template text.", fields: [
                .init("name", .string(), required: true, "Shown in the error."),
                .init("regex", .string(.init(format: .regularExpression)), required: true, "The pattern."),
            ]))), "Patterns that must not appear in template text."),
            .init("requiredLabels", .array(.string()), "Label keys every matched object must carry."),
            .init("freezeWindows", .array(.object(.init("A time when changes wait.", fields: [
                .init("days", .array(.string(.init(allowed: weekdays)), minItems: 1), required: true, "Days the window starts on."),
                .init("start", .string(.init(format: .timeOfDay)), required: true, "HH:MM."),
                .init("end", .string(.init(format: .timeOfDay)), required: true, "HH:MM; earlier than start means the next day."),
                .init("timezone", .string(), "IANA time zone; default UTC."),
            ]))), "Changes to the namespace wait while a window is open."),
        ])), required: true, "The rules."),
    ])
}
