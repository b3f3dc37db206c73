import Foundation

// Which version serves: reacting to what git desires, and to `retry`.
extension RolloutStateMachine {
    /// Level-triggered: compares the desired version with stable and canary, so sending the
    /// same desired state again changes nothing and returns no actions.
    mutating func desire(_ version: VersionRef, _ spec: RolloutSpec, now: Date) -> [RolloutAction] {
        let previous = desired
        desired = Desired(version: version, spec: spec)
        guard let stable else {
            return switchStable(to: version, reason: "first rollout of this Deployment: \(version) serves at once", now: now)
        }
        if version == stable {
            if let canary {
                return cancelCanary(reason: "git returned to the stable version \(stable); canary \(canary) cancelled", now: now)
            }
            return phase == .healthy ? [] : move(to: .healthy, reason: "git returned to the stable version \(stable)", now: now)
        }
        // Spec edits for the version already under test wait for the next version (see type docs).
        if version == canary { return [] }
        if isAborted(version.hash) {
            let reason = "\(version) was rolled back or aborted; it is not rolled out again until retry"
            var actions = canary == nil ? [] : cancelCanary(reason: "git moved to the aborted version \(version); canary \(canary!) cancelled", now: now)
            if previous?.version != version { actions.append(.blocked(version, reason: reason)) }
            if phase != .degraded { actions += move(to: .degraded, reason: reason, now: now) }
            return actions
        }
        if spec.strategy == .direct {
            let actions = canary == nil ? [] : cancelCanary(reason: "Direct strategy: canary \(canary!) cancelled", now: now)
            return actions + switchStable(to: version, reason: "Direct strategy: \(version) replaces \(stable)", now: now)
        }
        if let old = canary {
            let reason = "\(version) supersedes canary \(old); steps start again"
            var actions: [RolloutAction] = [.superseded(old: old, new: version)]
            actions += dropCanary()
            return actions + startCanary(version, spec, reason: reason, now: now)
        }
        return startCanary(version, spec, reason: "new version \(version): canary starts", now: now)
    }

    /// Clears the abort of the desired version and rolls it out again with its latest spec.
    mutating func retry(by actor: String, now: Date) -> [RolloutAction] {
        guard let desired, isAborted(desired.version.hash) else {
            return [.ignored(reason: "retry: the desired version is not aborted")]
        }
        abortedHashes.removeAll { $0 == desired.version.hash }
        let version = desired.version
        guard let stable, version != stable else {
            return switchStable(to: version, reason: "retry by \(actor): \(version) serves at once", now: now)
        }
        if desired.spec.strategy == .direct {
            return switchStable(to: version, reason: "retry by \(actor): Direct strategy, \(version) replaces \(stable)", now: now)
        }
        return startCanary(version, desired.spec, reason: "retry by \(actor): canary \(version) starts again", now: now)
    }

    /// Replaces the stable version at once.
    mutating func switchStable(to version: VersionRef, reason: String, now: Date) -> [RolloutAction] {
        let old = stable
        stable = version
        return [.switched(from: old, to: version)] + move(to: .healthy, reason: reason, now: now)
    }

    /// Starts `version` as the canary at step 0 and enters that step.
    mutating func startCanary(_ version: VersionRef, _ spec: RolloutSpec, reason: String, now: Date) -> [RolloutAction] {
        canary = version
        self.spec = spec
        stepIndex = 0
        stepStartedAt = nil
        analysis = nil
        return move(to: .progressing, reason: reason, now: now) + enterStep(now: now)
    }

    /// Drops the canary without a verdict and returns to Healthy.
    mutating func cancelCanary(reason: String, now: Date) -> [RolloutAction] {
        guard let old = canary else { return [] }
        return dropCanary() + [.cancelled(old)] + move(to: .healthy, reason: reason, now: now)
    }

    /// Clears every trace of the running canary; returns `.setWeight(0)` when it had traffic.
    mutating func dropCanary() -> [RolloutAction] {
        let hadTraffic = canary != nil && canaryWeight != 0
        canary = nil
        canaryWeight = 0
        stepIndex = nil
        stepStartedAt = nil
        analysis = nil
        spec = nil
        return hadTraffic ? [.setWeight(0)] : []
    }

    /// Records a transition; returns `.transition` when the phase changes.
    mutating func move(to newPhase: Phase, reason: String, now: Date) -> [RolloutAction] {
        let old = phase
        phase = newPhase
        lastTransition = Transition(from: old, to: newPhase, reason: reason, at: now)
        return old == newPhase ? [] : [.transition(from: old, to: newPhase, reason: reason)]
    }
}
