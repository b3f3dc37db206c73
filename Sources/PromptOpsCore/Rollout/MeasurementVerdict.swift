/// The outcome of one measurement of one metric.
public enum MeasurementVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// Inside the metric's threshold range.
    case successful = "Successful"
    /// Outside the metric's threshold range.
    case failed = "Failed"
    /// No data, or too few samples to judge.
    case inconclusive = "Inconclusive"
    /// The provider failed (unreachable, bad response).
    case error = "Error"

    /// Judges a value against a threshold range: nil or NaN → inconclusive; inside `[min, max]`
    /// (either bound optional, both inclusive) → successful; otherwise failed.
    public static func verdict(value: Double?, min: Double?, max: Double?) -> MeasurementVerdict {
        guard let value, !value.isNaN else { return .inconclusive }
        if let min, value < min { return .failed }
        if let max, value > max { return .failed }
        return .successful
    }
}
