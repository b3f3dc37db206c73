/// Builds typed objects from documents that already passed ``SchemaChecker``, so every
/// shape here is known to be right; defaults from api-v1alpha1.md are applied here.
enum ManifestDecoder {
    static func meta(_ document: LocatedValue) -> ObjectMeta {
        let m = document["metadata"]
        return ObjectMeta(
            name: m?["name"]?.string ?? "",
            namespace: m?["namespace"]?.string ?? "default",
            labels: m?["labels"]?.stringMap ?? [:],
            annotations: m?["annotations"]?.stringMap ?? [:])
    }

    static func source(_ node: LocatedValue) -> TemplateSource {
        TemplateSource(text: node.string ?? "", location: node.location, style: node.scalarStyle)
    }

    static func input(_ node: LocatedValue) -> InputSpec {
        var properties: [String: InputSpec] = [:]
        for member in node["properties"]?.members ?? [] {
            properties[member.key] = input(member.value)
        }
        return InputSpec(
            type: InputSpec.ValueType(rawValue: node["type"]?.string ?? "string") ?? .string,
            required: node["required"]?.bool ?? false,
            defaultValue: node["default"].map(\.canonicalTemplateValue),
            allowedValues: node["enum"]?.array?.map(\.canonicalTemplateValue),
            minLength: node["minLength"]?.int,
            maxLength: node["maxLength"]?.int,
            minimum: node["minimum"]?.double,
            maximum: node["maximum"]?.double,
            items: node["items"].map(input),
            properties: properties,
            location: node.location)
    }

    static func template(_ document: LocatedValue) -> PromptTemplate {
        template(meta: meta(document), spec: document["spec"], document: document, specJSON: nil)
    }

    /// A template from its parts; `specJSON` is the canonical JSON of `spec` when known
    /// (re-deriving a compacted template), else it is encoded here.
    static func template(meta: ObjectMeta, spec: LocatedValue?, document: LocatedValue, specJSON knownJSON: String?) -> PromptTemplate {
        let inputMembers = spec?["inputs"]?.members ?? []
        var inputs: [String: InputSpec] = [:]
        inputs.reserveCapacity(inputMembers.count)
        for member in inputMembers { inputs[member.key] = input(member.value) }
        let body: PromptTemplate.Body
        if let messages = spec?["messages"]?.array {
            body = .messages(messages.map {
                PromptTemplate.Message(role: $0["role"]?.string ?? "user", content: source($0["content"] ?? $0))
            })
        } else {
            body = .text(source(spec?["text"] ?? document))
        }
        let tests = (spec?["tests"]?.array ?? []).map { test in
            var vars: [String: TemplateValue] = [:]
            for member in test["vars"]?.members ?? [] { vars[member.key] = member.value.canonicalTemplateValue }
            return PromptTemplate.Test(
                name: test["name"]?.string ?? "",
                vars: vars,
                varsLocation: test["vars"]?.location ?? test.location,
                assertions: (test["assert"]?.array ?? []).map {
                    PromptTemplate.Assertion(type: $0["type"]?.string ?? "", value: $0["value"]?.canonicalTemplateValue,
                                             weight: $0["weight"]?.double ?? 1, location: $0.location)
                },
                threshold: test["threshold"]?.double ?? 1)
        }
        let specJSON = knownJSON ?? CanonicalJSON.encode(spec ?? document)
        let origin = PromptTemplate.Origin(
            location: document.location, spec: (spec ?? document).location,
            modelName: spec?.at("model", "name")?.location,
            body: (spec?["messages"] ?? spec?["text"])?.location,
            tests: spec?["tests"]?.location,
            labels: (document.at("metadata", "labels") ?? document["metadata"] ?? document).location,
            specJSON: specJSON, specHash: EffectiveContent.sha256Hex(specJSON))
        return PromptTemplate(
            meta: meta, description: spec?["description"]?.string,
            modelName: spec?.at("model", "name")?.string, inputs: inputs, body: body, tests: tests,
            modelParameters: spec?.at("model", "parameters")?.canonicalTemplateValue, origin: origin)
    }

    static func duration(_ node: LocatedValue?, default fallback: Duration) -> Duration {
        node?.string.flatMap(Duration.parse) ?? fallback
    }

    static func deployment(_ document: LocatedValue) -> Deployment {
        let spec = document["spec"]
        let strategy = Deployment.StrategyType(rawValue: spec?.at("strategy", "type")?.string ?? "Direct") ?? .direct
        let steps: [Deployment.Step] = (spec?.at("strategy", "canary", "steps")?.array ?? []).compactMap { step in
            if let w = step["setWeight"]?.int { return .setWeight(w) }
            if let pause = step["pause"] { return .pause(pause["duration"]?.string.flatMap(Duration.parse)) }
            if step["analysis"] != nil { return .analysis }
            return nil
        }
        var experiment: Deployment.Experiment?
        if strategy == .experiment {
            let e = spec?.at("strategy", "experiment")
            experiment = Deployment.Experiment(weight: e?["weight"]?.int ?? 50, duration: e?["duration"]?.string.flatMap(Duration.parse),
                                               promote: e?["promote"]?.bool ?? false)
        }
        var analysis: Deployment.Analysis?
        if let a = spec?["analysis"] {
            analysis = Deployment.Analysis(
                interval: duration(a["interval"], default: .seconds(60)),
                count: a["count"]?.int ?? 3,
                failureLimit: a["failureLimit"]?.int ?? 0,
                inconclusiveLimit: a["inconclusiveLimit"]?.int ?? 1,
                consecutiveErrorLimit: a["consecutiveErrorLimit"]?.int ?? 4,
                metrics: (a["metrics"]?.array ?? []).compactMap(metric),
                judge: a["judge"].flatMap(judge))
            analysis?.maxDuration = experiment?.duration
        }
        return Deployment(
            meta: meta(document), template: spec?["template"]?.string ?? "",
            environment: spec?["environment"]?.string, strategy: strategy, steps: experiment?.steps ?? steps,
            analysis: analysis, experiment: experiment, document: document,
            specHash: EffectiveContent.sha256Hex(CanonicalJSON.encode(spec ?? document)))
    }

    static func judge(_ node: LocatedValue) -> Deployment.Judge? {
        guard node["type"]?.string ?? "comparative" == "comparative" else { return nil }
        let e = node["evaluation"]
        let defaults = ComparativeJudge.Settings()
        return Deployment.Judge(
            endpoint: e?["endpoint"]?.string ?? "", model: e?["model"]?.string ?? "",
            secretRef: e?["secretRef"]?.string, repeats: e?["repeats"]?.int ?? 3,
            timeout: duration(e?["timeout"], default: .seconds(30)),
            settings: ComparativeJudge.Settings(
                margin: node["margin"]?.double ?? defaults.margin,
                falseRollback: node["falseRollback"]?.double ?? defaults.falseRollback,
                missedRegression: node["missedRegression"]?.double ?? defaults.missedRegression,
                maxSamples: node["maxSamples"]?.int ?? defaults.maxSamples))
    }

    static func metric(_ node: LocatedValue) -> Deployment.Metric? {
        let p = node["provider"]
        let provider: Deployment.Provider
        if let e = p?["evaluation"] {
            provider = .evaluation(endpoint: e["endpoint"]?.string ?? "", model: e["model"]?.string ?? "",
                                   secretRef: e["secretRef"]?.string, repeats: e["repeats"]?.int ?? 1,
                                   timeout: duration(e["timeout"], default: .seconds(30)))
        } else if let q = p?["prometheus"] {
            provider = .prometheus(address: q["address"]?.string ?? "", query: q["query"]?.string ?? "",
                                   timeout: duration(q["timeout"], default: .seconds(10)))
        } else if let w = p?["web"] {
            provider = .web(url: w["url"]?.string ?? "", jsonPath: w["jsonPath"]?.string ?? "",
                            timeout: duration(w["timeout"], default: .seconds(10)))
        } else {
            return nil
        }
        return Deployment.Metric(name: node["name"]?.string ?? "", provider: provider,
                                 min: node.at("thresholdRange", "min")?.double,
                                 max: node.at("thresholdRange", "max")?.double)
    }

    static let weekdayNumbers = ["Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7]

    static func policy(_ document: LocatedValue) -> Policy {
        let spec = document["spec"]
        let r = spec?["rules"]
        let rules = Policy.Rules(
            requireStrategy: r?["requireStrategy"]?.string.flatMap(Deployment.StrategyType.init(rawValue:)),
            maxStepWeight: r?["maxStepWeight"]?.int,
            requireAnalysis: r?["requireAnalysis"]?.bool ?? false,
            allowedModels: r?["allowedModels"]?.array?.compactMap(\.string),
            maxTokens: r?["maxTokens"]?.int,
            minTests: r?["minTests"]?.int,
            forbiddenPatterns: (r?["forbiddenPatterns"]?.array ?? []).map {
                Policy.ForbiddenPattern(name: $0["name"]?.string ?? "", regex: $0["regex"]?.string ?? "")
            },
            requiredLabels: r?["requiredLabels"]?.array?.compactMap(\.string) ?? [],
            freezeWindows: (r?["freezeWindows"]?.array ?? []).compactMap { w in
                guard let start = w["start"]?.string.flatMap(TimeOfDay.init),
                      let end = w["end"]?.string.flatMap(TimeOfDay.init) else { return nil }
                let days = Set((w["days"]?.array ?? []).compactMap { $0.string.flatMap { weekdayNumbers[$0] } })
                return Policy.FreezeWindow(days: days, start: start, end: end, timezone: w["timezone"]?.string ?? "UTC")
            })
        return Policy(
            meta: meta(document),
            enforcement: Policy.Enforcement(rawValue: spec?["enforcement"]?.string ?? "Deny") ?? .deny,
            kinds: spec?.at("match", "kinds")?.array?.compactMap(\.string) ?? [],
            environments: spec?.at("match", "environments")?.array?.compactMap(\.string) ?? [],
            matchLabels: spec?.at("match", "labels")?.stringMap ?? [:],
            namespaces: spec?["namespaces"]?.array?.compactMap(\.string),
            rules: rules, document: document)
    }
}
