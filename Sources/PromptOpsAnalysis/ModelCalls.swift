/// Model calls with at most `limit` in flight, started in job order; after the first failure
/// no new call starts (the rest are left for the caller to report as not attempted). The one
/// scheduler of the evaluation runners.
enum ModelCalls {
    typealias Outcome = Result<ChatCompletionsClient.Completion, EndpointError>

    /// Runs `jobs` through `call`, handing each outcome to `finished` as it comes.
    /// - Returns: the first failure and how many calls failed.
    static func run<Job: Sendable>(
        _ jobs: [Job], limit: Int, call: @escaping @Sendable (Job) async -> Outcome, finished: (Job, Outcome) -> Void
    ) async -> (firstFailure: EndpointError?, failed: Int) {
        var firstFailure: EndpointError?
        var failed = 0
        await withTaskGroup(of: (Job, Outcome).self) { group in
            var pending = jobs.makeIterator()
            for _ in 0..<max(limit, 1) {
                guard let job = pending.next() else { break }
                group.addTask { (job, await call(job)) }
            }
            while let (job, outcome) = await group.next() {
                if case .failure(let error) = outcome {
                    failed += 1
                    if firstFailure == nil { firstFailure = error }
                }
                finished(job, outcome)
                if firstFailure == nil, let next = pending.next() {
                    group.addTask { (next, await call(next)) }
                }
            }
        }
        return (firstFailure, failed)
    }
}
