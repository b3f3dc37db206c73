// JSON shapes for the rollout spec inside persisted rollout state. They mirror the manifest
// (`{setWeight: 10}`, `{pause: {duration: …}}`, `{analysis: {}}`) so the stored state reads like
// the YAML it came from; durations are exact (seconds + attoseconds) so decoding gives back an
// equal value.

extension RolloutSpec: Codable {
    private enum Keys: String, CodingKey { case strategy, steps, analysis }

    /// Decodes a spec stored by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let raw = try c.decode(String.self, forKey: .strategy)
        guard let strategy = Deployment.StrategyType(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: .strategy, in: c, debugDescription: "unknown strategy \(raw)")
        }
        self.init(
            strategy: strategy,
            steps: try c.decode([StepRecord].self, forKey: .steps).map { try $0.step },
            analysis: try c.decodeIfPresent(AnalysisRecord.self, forKey: .analysis)?.analysis)
    }

    /// Encodes the spec as JSON-friendly records.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(strategy.rawValue, forKey: .strategy)
        try c.encode(steps.map(StepRecord.init), forKey: .steps)
        try c.encodeIfPresent(analysis.map(AnalysisRecord.init), forKey: .analysis)
    }
}

private struct DurationRecord: Codable {
    var seconds: Int64
    var attoseconds: Int64?

    init(_ d: Duration) {
        seconds = d.components.seconds
        attoseconds = d.components.attoseconds == 0 ? nil : d.components.attoseconds
    }

    var duration: Duration { Duration(secondsComponent: seconds, attosecondsComponent: attoseconds ?? 0) }
}

private struct StepRecord: Codable {
    struct Pause: Codable { var duration: DurationRecord? }
    struct Empty: Codable {}

    var setWeight: Int?
    var pause: Pause?
    var analysis: Empty?

    init(_ step: Deployment.Step) {
        switch step {
        case .setWeight(let w): setWeight = w
        case .pause(let d): pause = Pause(duration: d.map(DurationRecord.init))
        case .analysis: analysis = Empty()
        }
    }

    var step: Deployment.Step {
        get throws {
            switch (setWeight, pause, analysis) {
            case (let w?, nil, nil): return .setWeight(w)
            case (nil, let p?, nil): return .pause(p.duration?.duration)
            case (nil, nil, _?): return .analysis
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: [], debugDescription: "a step needs exactly one of setWeight, pause, analysis"))
            }
        }
    }
}

private struct AnalysisRecord: Codable {
    var interval: DurationRecord
    var count: Int
    var failureLimit: Int
    var inconclusiveLimit: Int
    var consecutiveErrorLimit: Int
    var metrics: [MetricRecord]
    var judge: JudgeRecord?
    var maxDuration: DurationRecord?

    init(_ a: Deployment.Analysis) {
        interval = DurationRecord(a.interval)
        count = a.count
        failureLimit = a.failureLimit
        inconclusiveLimit = a.inconclusiveLimit
        consecutiveErrorLimit = a.consecutiveErrorLimit
        metrics = a.metrics.map(MetricRecord.init)
        judge = a.judge.map(JudgeRecord.init)
        maxDuration = a.maxDuration.map(DurationRecord.init)
    }

    var analysis: Deployment.Analysis {
        get throws {
            var a = Deployment.Analysis(
                interval: interval.duration, count: count, failureLimit: failureLimit,
                inconclusiveLimit: inconclusiveLimit, consecutiveErrorLimit: consecutiveErrorLimit,
                metrics: try metrics.map { try $0.metric }, judge: judge?.judge)
            a.maxDuration = maxDuration?.duration
            return a
        }
    }
}

private struct MetricRecord: Codable {
    var name: String
    var provider: ProviderRecord
    var min: Double?
    var max: Double?

    init(_ m: Deployment.Metric) {
        name = m.name
        provider = ProviderRecord(m.provider)
        min = m.min
        max = m.max
    }

    var metric: Deployment.Metric {
        get throws { Deployment.Metric(name: name, provider: try provider.provider, min: min, max: max) }
    }
}

private struct ProviderRecord: Codable {
    var kind: String
    var endpoint: String?, model: String?, secretRef: String?, repeats: Int?
    var address: String?, query: String?
    var url: String?, jsonPath: String?
    var judge: JudgeRecord?
    var timeout: DurationRecord

    init(_ p: Deployment.Provider) {
        switch p {
        case let .evaluation(endpoint, model, secretRef, repeats, timeout):
            kind = "evaluation"
            self.endpoint = endpoint; self.model = model; self.secretRef = secretRef; self.repeats = repeats
            self.timeout = DurationRecord(timeout)
        case let .prometheus(address, query, timeout):
            kind = "prometheus"
            self.address = address; self.query = query
            self.timeout = DurationRecord(timeout)
        case let .web(url, jsonPath, timeout):
            kind = "web"
            self.url = url; self.jsonPath = jsonPath
            self.timeout = DurationRecord(timeout)
        case let .comparative(judge):
            kind = "comparative"
            self.judge = JudgeRecord(judge)
            self.timeout = DurationRecord(judge.timeout)
        }
    }

    var provider: Deployment.Provider {
        get throws {
            switch (kind, endpoint, model, repeats, address, query, url, jsonPath) {
            case let ("evaluation", endpoint?, model?, repeats?, _, _, _, _):
                // A state saved before secretRef (its `apiKeyEnv` key is ignored) carries none.
                return .evaluation(endpoint: endpoint, model: model, secretRef: secretRef,
                                   repeats: repeats, timeout: timeout.duration)
            case let ("prometheus", _, _, _, address?, query?, _, _):
                return .prometheus(address: address, query: query, timeout: timeout.duration)
            case let ("web", _, _, _, _, _, url?, jsonPath?):
                return .web(url: url, jsonPath: jsonPath, timeout: timeout.duration)
            case ("comparative", _, _, _, _, _, _, _):
                guard let judge else { break }
                return .comparative(judge.judge)
            default:
                break
            }
            throw DecodingError.dataCorrupted(.init(
                codingPath: [], debugDescription: "incomplete or unknown metric provider '\(kind)'"))
        }
    }
}

private struct JudgeRecord: Codable {
    var endpoint: String
    var model: String
    var secretRef: String?
    var repeats: Int
    var timeout: DurationRecord
    var margin: Double
    var falseRollback: Double
    var missedRegression: Double
    var maxSamples: Int

    init(_ j: Deployment.Judge) {
        endpoint = j.endpoint
        model = j.model
        secretRef = j.secretRef
        repeats = j.repeats
        timeout = DurationRecord(j.timeout)
        margin = j.settings.margin
        falseRollback = j.settings.falseRollback
        missedRegression = j.settings.missedRegression
        maxSamples = j.settings.maxSamples
    }

    var judge: Deployment.Judge {
        Deployment.Judge(endpoint: endpoint, model: model, secretRef: secretRef, repeats: repeats, timeout: timeout.duration,
                         settings: .init(margin: margin, falseRollback: falseRollback, missedRegression: missedRegression,
                                         maxSamples: maxSamples))
    }
}
