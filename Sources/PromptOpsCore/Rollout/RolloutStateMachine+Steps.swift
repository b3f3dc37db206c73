import Foundation

// Moving a canary through its steps: time, measurement results and manual commands.
extension RolloutStateMachine {
    /// Completes the current step when it is done and enters the next; requests due measurements.
    mutating func advance(now: Date) -> [RolloutAction] {
        guard canary != nil, phase == .progressing, let started = stepStartedAt, let step = currentStep else { return [] }
        switch step {
        case .setWeight:
            return completeStep(now: now)
        case .pause(let duration?):
            return now >= started.adding(duration) ? completeStep(now: now) : []
        case .pause(nil):
            return []
        case .analysis:
            if let limit = spec?.analysis?.maxDuration, now >= started.adding(limit) {
                let standing = analysis?.judgeReport.map { ": \($0.summary)" } ?? ""
                let reason = "the experiment reached its horizon of \(limit.formatted(.units(allowed: [.days, .hours, .minutes, .seconds], width: .narrow))) without a decision\(standing); promote to adopt the canary or abort to end it"
                analysis?.awaitedRound = nil
                return [.paused(reason: reason)] + move(to: .paused, reason: reason, now: now)
            }
            return requestDueRound(now: now)
        }
    }

    /// Records a measurement round and acts on the run's assessment.
    mutating func measured(_ results: [MetricMeasurement], round: Int, now: Date) -> [RolloutAction] {
        guard canary != nil, phase == .progressing, var run = analysis, run.awaitedRound == round,
              let config = spec?.analysis
        else { return [.ignored(reason: "measurement round \(round) is not awaited")] }
        run.record(results, config: config, now: now)
        analysis = run
        switch run.assess(config) {
        case .running:
            return requestDueRound(now: now)
        case .succeeded:
            return completeStep(now: now)
        case .failed(let reason):
            return rollBack(reason: reason, now: now)
        case .paused(let reason):
            return [.paused(reason: reason)] + move(to: .paused, reason: reason, now: now)
        }
    }

    /// What handling `results` for `round` would record: the round as stored in the run, the
    /// judge's measurement with its standing after the round. Empty when the round is not
    /// awaited. The controller stores these (not the providers' raw answers).
    public func recorded(_ results: [MetricMeasurement], round: Int, now: Date) -> [MetricMeasurement] {
        guard canary != nil, phase == .progressing, var run = analysis, run.awaitedRound == round, let config = spec?.analysis
        else { return [] }
        run.record(results, config: config, now: now)
        return run.rounds.last ?? []
    }

    /// Lets go of the round just requested (the controller saves before taking it): the next
    /// tick requests a new round at once instead of waiting an interval for a lost answer.
    public mutating func releaseRequestedRound(now: Date) {
        guard var run = analysis, run.awaitedRound != nil else { return }
        run.awaitedRound = nil
        run.nextMeasurementAt = now
        analysis = run
    }

    /// Completes the current step now; Paused continues as Progressing.
    mutating func promote(by actor: String, now: Date) -> [RolloutAction] {
        guard let canary, let index = stepIndex, phase == .progressing || phase == .paused else {
            return [.ignored(reason: "promote: no canary is running")]
        }
        if spec?.strategy == .experiment {
            // A person adopts an Experiment's new version in one step, whatever stage it is at.
            let reason = "promoted by \(actor): experiment ended, \(canary) adopted"
            return move(to: .progressing, reason: reason, now: now) + promoteCanary(now: now, by: actor)
        }
        let reason = "promoted by \(actor): step \(index + 1) of \(spec?.steps.count ?? 0) completed for \(canary)"
        return move(to: .progressing, reason: reason, now: now) + completeStep(now: now, promotedBy: actor)
    }

    /// Rolls the canary back; its hash is recorded as aborted.
    mutating func abort(by actor: String, now: Date) -> [RolloutAction] {
        guard canary != nil else { return [.ignored(reason: "abort: no canary is running")] }
        return rollBack(reason: "aborted by \(actor)", now: now)
    }

    /// Moves past the current step: enters the next one, or promotes after the last.
    /// - Parameter actor: The person who completed the step, named in a resulting promotion.
    mutating func completeStep(now: Date, promotedBy actor: String? = nil) -> [RolloutAction] {
        let next = (stepIndex ?? 0) + 1
        let conclusion = analysis?.judgeReport?.summary
        stepIndex = next
        stepStartedAt = nil
        analysis = nil
        return enterStep(now: now, promotedBy: actor, conclusion: conclusion)
    }

    /// Enters the step at ``stepIndex`` (the only place a step starts, so none runs twice).
    /// - Parameter conclusion: the judge's standing at the end of the analysis just completed
    ///   (an Experiment's concluding pause reports it).
    mutating func enterStep(now: Date, promotedBy actor: String? = nil, conclusion: String? = nil) -> [RolloutAction] {
        guard let index = stepIndex, let spec, index < spec.steps.count else { return promoteCanary(now: now, by: actor) }
        stepStartedAt = now
        switch spec.steps[index] {
        case .setWeight(let weight):
            let clamped = min(max(weight, 0), 100)
            guard clamped != canaryWeight else { return [] }
            canaryWeight = clamped
            return [.setWeight(clamped)]
        case .pause(.some):
            return []
        case .pause(nil):
            let reason = spec.strategy == .experiment
                ? "the experiment concluded" + (conclusion.map { ": \($0)" } ?? "") + "; promote to adopt the canary or abort to end it"
                : "step \(index + 1) of \(spec.steps.count) is a manual pause; promote to continue"
            return [.paused(reason: reason)] + move(to: .paused, reason: reason, now: now)
        case .analysis:
            guard let config = spec.analysis, config.measuresSomething else {
                let reason = "step \(index + 1) of \(spec.steps.count) is an analysis without metrics or judge; promote to continue"
                return [.paused(reason: reason)] + move(to: .paused, reason: reason, now: now)
            }
            analysis = AnalysisRun(startedAt: now, analysis: config)
            return requestDueRound(now: now)
        }
    }

    /// Requests the next round of the running analysis when due, or the awaited one again when
    /// its results are overdue by a whole interval.
    mutating func requestDueRound(now: Date) -> [RolloutAction] {
        guard var run = analysis, let config = spec?.analysis, now >= run.nextMeasurementAt else { return [] }
        let round: Int
        if let awaited = run.awaitedRound {
            round = awaited
        } else {
            guard !run.due(config).isEmpty else { return [] }
            round = nextRound
            nextRound += 1
        }
        run.awaitedRound = round
        run.nextMeasurementAt = now.adding(config.interval)
        analysis = run
        return [.measure(metrics: run.due(config), round: round)]
    }

    /// The canary becomes stable and serves every key.
    mutating func promoteCanary(now: Date, by actor: String? = nil) -> [RolloutAction] {
        guard let version = canary else { return [] }
        let steps = spec?.steps.count ?? 0
        let reason = actor.map { "promoted by \($0) on the last step: \(version) promoted to stable" }
            ?? "all \(steps) step(s) completed: \(version) promoted to stable"
        stable = version
        var actions: [RolloutAction] = [.promoted(version)]
        actions += dropCanary()
        return actions + move(to: .healthy, reason: reason, now: now)
    }

    /// Takes the canary out of traffic, records its hash as aborted, and turns Degraded.
    mutating func rollBack(reason: String, now: Date) -> [RolloutAction] {
        guard let version = canary else { return [] }
        let evidence = measurementsOfCurrentAnalysis
        if !isAborted(version.hash) {
            abortedHashes.append(version.hash)
            abortedHashes.sort()
        }
        let full = "\(version) rolled back: \(reason)"
        return dropCanary() + [.rolledBack(version, evidence: evidence, reason: reason)]
            + move(to: .degraded, reason: full, now: now)
    }
}
